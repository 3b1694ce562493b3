// --threads and --device: the one place in the program that sets CPU thread counts (LibTorch
// intra-op and OpenBLAS, util/threads.h) and the compute device (rl/device.h).
#include "rfm/util/threads.h"

#include "cli/commands.h"
#include "rfm/rl/device.h"
#include "rfm/util/error.h"

namespace rfm::cli {

void apply_thread_count(int threads) {
  if (threads <= 0) return;
  set_cpu_threads(threads);
}

void apply_device(const std::string& name, const CLI::App& app) {
  const c10::Device device = rl::parse_device(name);
  if (!device.is_cpu() && !app.get_subcommands().empty()) {
    // The commands that build agents through the trainer or the update benchmark; the others
    // (tasks, sampling, plots, reports and the remaining benchmarks) compute on the CPU only.
    const CLI::App* command = app.get_subcommands().front();
    const std::string path =
        command->get_name() + (command->get_subcommands().empty()
                                   ? ""
                                   : " " + command->get_subcommands().front()->get_name());
    if (path != "train" && path != "eval" && path != "sweep" && path != "bench update")
      throw Error(
          "--device " + name + ": '" + path +
          "' runs on the CPU only (--device applies to train, eval, sweep and bench update)");
  }
  global_options().compute_device = device;
}

}  // namespace rfm::cli
