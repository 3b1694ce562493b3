// rfm bench estimator: the estimator core (issue #3) is being written.
#include "cli/commands.h"
#include "rfm/util/error.h"

namespace rfm::cli {

void add_bench_estimator_command(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand("estimator", "estimator accuracy (not built yet)");
  command->allow_extras();
  command->callback(
      [] { throw Error("'rfm bench estimator' is not built yet (planned in issue #3)"); });
}

}  // namespace rfm::cli
