// rfm tasks: one line per task: name, observation size, action size, control timestep, episode
// length.
#include <cstdio>

#include "cli/commands.h"
#include "rfm/envs/registry.h"

namespace rfm::cli {

void add_tasks_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("tasks", "list the tasks");
  command->callback([] {
    std::printf("%-20s %8s %8s %10s %8s\n", "task", "obs_dim", "act_dim", "control_dt", "steps");
    for (const auto& entry : envs::all_tasks()) {
      const auto env = entry.make(global_options().model_dir.empty() ? envs::default_model_dir()
                                                                     : global_options().model_dir);
      const auto& spec = env->spec();
      std::printf("%-20s %8d %8d %10g %8d\n", spec.name.c_str(), spec.observation_size,
                  spec.action_size, spec.control_timestep, spec.episode_steps);
    }
  });
}

}  // namespace rfm::cli
