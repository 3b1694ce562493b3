// --threads: the one place in the program that sets CPU thread counts (LibTorch intra-op and
// OpenBLAS, util/threads.h).
#include "cli/commands.h"
#include "rfm/util/threads.h"

namespace rfm::cli {

void apply_thread_count(int threads) {
  if (threads <= 0) return;
  set_cpu_threads(threads);
}

}  // namespace rfm::cli
