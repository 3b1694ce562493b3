// --threads: the one place that sets CPU thread counts (LibTorch intra-op and OpenBLAS).
#include <ATen/Parallel.h>
#include <dlfcn.h>

#include "cli/commands.h"

namespace rfm::cli {

void apply_thread_count(int threads) {
  if (threads <= 0) return;
  at::set_num_threads(threads);
  // OpenBLAS keeps its own pool; its setter is looked up at run time so that the program still
  // runs (with a warning-free no-op) on another BLAS.
  using SetThreads = void (*)(int);
  if (auto set_blas_threads =
          reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(threads);
}

}  // namespace rfm::cli
