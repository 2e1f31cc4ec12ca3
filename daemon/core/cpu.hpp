#pragma once
/// Run-time CPU features, for the few scans that have a wider version than the baseline
/// x86-64 build (feed/prepare.cpp, text/html.cpp). SANCTWATCH_AVX2_DISPATCH is defined where
/// such a version can be compiled: x86-64 with GCC or Clang (target attributes, intrinsics).

#if defined(__x86_64__) && defined(__GNUC__)
#define SANCTWATCH_AVX2_DISPATCH 1
#include <immintrin.h>
#endif

namespace sanctwatch {

/// Whether this CPU runs AVX2 instructions; false where there is no dispatch. Asked once.
bool cpu_has_avx2();

}  // namespace sanctwatch
