// The rule engine: see engine.hpp.
