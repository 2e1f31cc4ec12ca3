#include "text/normalize.hpp"
