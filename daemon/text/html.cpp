#include "text/html.hpp"
