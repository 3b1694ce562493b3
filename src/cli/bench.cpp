// rfm bench: throughput and accuracy figures; each benchmark is a subcommand in its own file.
#include <algorithm>

#include "cli/commands.h"

namespace rfm::cli {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

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
