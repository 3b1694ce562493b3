// rfm sample: the estimator core (issue #3) is being written.
#include "cli/commands.h"
#include "rfm/util/error.h"

namespace rfm::cli {

void add_sample_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("sample", "sample an unnormalised density (not built yet)");
  command->allow_extras();
  command->callback([] { throw Error("'rfm sample' is not built yet (planned in issue #3)"); });
}

}  // namespace rfm::cli
