// rfm bench: throughput and accuracy figures; each benchmark is a subcommand in its own file.
#include "cli/commands.h"

namespace rfm::cli {

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "throughput and accuracy benchmarks");
  bench->require_subcommand(1);
  add_bench_env_command(*bench);
  add_bench_estimator_command(*bench);
  add_bench_gemm_command(*bench);
  add_bench_update_command(*bench);
  add_bench_bandit_command(*bench);
}

}  // namespace rfm::cli
