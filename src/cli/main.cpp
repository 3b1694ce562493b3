// rfm: online reinforcement learning with flow and diffusion policies.
#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "rfm/agents/registry.h"
#include "rfm/envs/registry.h"
#include "rfm/util/allocator.h"
#include "rfm/util/error.h"
#include "rfm/util/format.h"
#include "rfm/util/interrupt.h"

namespace rfm::cli {
GlobalOptions& global_options() {
  static GlobalOptions options;
  return options;
}
std::string configs_dir() {
  return global_options().configs_dir.empty() ? RFM_DEFAULT_CONFIGS_DIR
                                              : global_options().configs_dir;
}
std::string algorithm_help() {
  return "algorithm: " + join(agents::algorithm_names(), " | ");
}
}  // namespace rfm::cli

int main(int argc, char** argv) {
  using namespace rfm::cli;
  rfm::keep_freed_memory_in_heap();
  CLI::App app{"rfm: reverse flow matching for online reinforcement learning", "rfm"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.set_version_flag("--version", std::string("rfm 0.1"));
  auto& options = global_options();
  app.add_option("--model-dir", options.model_dir,
                 "directory of MJCF models with DeepMind Control's file names "
                 "(default: $RFM_MODEL_DIR, else the built-in models)")
      ->envname("RFM_MODEL_DIR");
  app.add_option("--configs-dir", options.configs_dir,
                 "directory of algorithm presets <algo>.toml (default: $RFM_CONFIGS_DIR, else the "
                 "built-in configs)")
      ->envname("RFM_CONFIGS_DIR");
  app.add_option("--threads", options.threads, "CPU threads for tensor work (0: library default)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", options.device,
                 "where agents' networks live and updates run (train, eval, sweep, bench update): "
                 "cpu, cuda or cuda:N; cuda needs rfm built against a CUDA LibTorch")
      ->capture_default_str();
  app.parse_complete_callback([&options, &app] {
    apply_thread_count(options.threads);
    apply_device(options.device, app);
  });

  add_tasks_command(app);
  add_rollout_command(app);
  add_sample_command(app);
  add_train_command(app);
  add_eval_command(app);
  add_plot_command(app);
  add_sweep_command(app);
  add_report_command(app);
  add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and exit 0; a malformed command line is a user error like any
    // other: one line, status 1.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::string message = e.what();
    for (char& c : message)
      if (c == '\n') c = ' ';
    while (!message.empty() && message.back() == ' ') message.pop_back();
    std::cerr << "rfm: error: " << message << " (see 'rfm --help' or 'rfm COMMAND --help')\n";
    return 1;
  } catch (const rfm::Interrupted& e) {
    std::cerr << "rfm: " << e.what() << "\n";
    return e.exit_code();
  } catch (const rfm::Error& e) {
    std::cerr << "rfm: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "rfm: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
