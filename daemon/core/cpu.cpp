#include "core/cpu.hpp"

namespace sanctwatch {

bool cpu_has_avx2() {
#if defined(SANCTWATCH_AVX2_DISPATCH)
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace sanctwatch
