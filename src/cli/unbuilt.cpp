// Subcommands whose issues are still open. They parse nothing and say so, so that a user who
// follows DESIGN.md's interface gets a clear answer instead of "unknown command".
#include <string>

#include "cli/commands.h"
#include "rfm/util/error.h"

namespace rfm::cli {

namespace {
void add_unbuilt(CLI::App& app, const std::string& name, const std::string& description,
                 const std::string& issue) {
  CLI::App* command = app.add_subcommand(name, description + " (not built yet)");
  command->fallthrough(false);
  command->prefix_command();  // accept any arguments, then explain
  command->callback([name, issue] {
    throw Error("'rfm " + name + "' is not built yet (planned in issue " + issue + ")");
  });
}
}  // namespace

void add_unbuilt_commands(CLI::App& app) {
  add_unbuilt(app, "sweep", "run a grid of algorithms, tasks and seeds", "#5");
  add_unbuilt(app, "report", "summarise a sweep", "#5");
}

}  // namespace rfm::cli
