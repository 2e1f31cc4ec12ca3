#include "feed/date.hpp"
