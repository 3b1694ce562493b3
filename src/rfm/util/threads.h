// CPU thread counts: LibTorch's intra-op pool and OpenBLAS's own pool, set together (the program's
// --threads and the learning tests use it). Header-only, for targets that link LibTorch.
#pragma once

#include <ATen/Parallel.h>
#include <dlfcn.h>

namespace rfm {

inline void set_cpu_threads(int threads) {
  at::set_num_threads(threads);
  // OpenBLAS's setter is looked up at run time so that the program still runs (with a
  // warning-free no-op) on another BLAS.
  using SetThreads = void (*)(int);
  if (auto set_blas_threads =
          reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(threads);
}

}  // namespace rfm
