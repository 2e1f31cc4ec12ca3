#include "text/charset.hpp"
