#include "text/segment.hpp"
