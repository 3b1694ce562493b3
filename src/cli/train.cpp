// rfm train: train an agent on a task into a run folder, or continue one (--resume).
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "rfm/agents/registry.h"
#include "rfm/rl/config.h"
#include "rfm/rl/run_folder.h"
#include "rfm/rl/trainer.h"
#include "rfm/util/error.h"
#include "rfm/util/interrupt.h"

namespace rfm::cli {

namespace {
struct TrainOptions {
  std::string algorithm = "rfm";
  std::string task = "cartpole-swingup";
  std::string preset = "cpu";
  std::string config_file;
  std::vector<std::string> overrides;
  std::uint64_t seed = 1;
  std::int64_t steps = 0;
  std::string out;
  std::string resume;
  std::string restart;
};

void run_train(const TrainOptions& options, const CLI::App& command) {
  rl::TrainerHooks hooks;
  hooks.model_dir = global_options().model_dir;
  hooks.progress = &std::cout;
  hooks.device = global_options().compute_device;
  install_stop_handlers();
  // An empty folder name given explicitly is a mistake (a variable that was not set), not a wish
  // for the default folder.
  const std::pair<const char*, const std::string*> folders[] = {
      {"--out", &options.out}, {"--resume", &options.resume}, {"--restart", &options.restart}};
  for (const auto& [name, folder] : folders)
    if (command.count(name) > 0 && folder->empty())
      throw Error(std::string(name) + " is empty; give a run folder");
  if (!options.resume.empty() || !options.restart.empty()) {
    const bool resume = !options.resume.empty();
    const std::string flag = resume ? "--resume" : "--restart";
    if (resume && !options.restart.empty())
      throw Error("--resume and --restart cannot be combined");
    for (const char* name :
         {"--algo", "--task", "--preset", "--config", "--set", "--seed", "--out"})
      if (command.count(name) > 0)
        throw Error(std::string(name) + " cannot be combined with " + flag +
                    " (the run folder's config.toml fixes it)");
    if (!resume && command.count("--steps") > 0)
      throw Error(
          "--steps cannot be combined with --restart (the run folder's config.toml fixes "
          "it)");
    const std::string& run_dir = resume ? options.resume : options.restart;
    const rl::Config config = rl::read_run_config(run_dir);
    const rl::AgentFactory factory = agents::agent_factory(rl::run_identity(config).algorithm);
    if (resume)
      rl::resume_run(run_dir, options.steps, factory, hooks);
    else
      rl::restart_run(run_dir, factory, hooks);
    return;
  }
  // Resolve everything (algorithm, preset, file, overrides, task) before anything is written.
  const rl::AgentFactory factory = agents::agent_factory(options.algorithm);
  rl::ConfigRequest request{configs_dir(), options.algorithm, options.preset};
  request.config_file = options.config_file;
  request.overrides = options.overrides;
  request.total_steps = options.steps;
  rl::Config config = rl::resolve_config(request);
  rl::set_run_identity(config, {options.algorithm, options.task, options.seed});
  const std::string out = options.out.empty()
                              ? "runs/" + options.task + "/" + options.algorithm + "-" +
                                    options.preset + "/seed" + std::to_string(options.seed)
                              : options.out;
  rl::train_new_run(config, out, factory, hooks);
  std::cout << "run folder: " << out << "\n";
}
}  // namespace

void add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* command = app.add_subcommand(
      "train", "train an agent on a task (default: RFM, cpu preset, cartpole-swingup)");
  command->add_option("--algo", options->algorithm, algorithm_help())->capture_default_str();
  command->add_option("--task", options->task, "task (see 'rfm tasks')")->capture_default_str();
  command->add_option("--preset", options->preset, kPresetHelp)->capture_default_str();
  command->add_option("--config", options->config_file, "TOML file of overrides");
  command->add_option("--set", options->overrides, "override one key: section.key=value")
      ->take_all();
  command->add_option("--seed", options->seed, "seed of everything (networks, env, replay)")
      ->check(CLI::Range(std::uint64_t{0}, rl::kMaxSeed))
      ->capture_default_str();
  command
      ->add_option("--steps", options->steps,
                   "environment steps in total (default: the preset's trainer.total_steps)")
      ->check(CLI::PositiveNumber);
  command->add_option("--out", options->out,
                      "run folder (default: runs/<task>/<algo>-<preset>/seed<seed>)");
  command->add_option("--resume", options->resume,
                      "continue the run in this folder from its checkpoint");
  command->add_option("--restart", options->restart,
                      "start the run in this folder again from step 0 with its config.toml (only "
                      "for a run stopped before its first checkpoint)");
  command->callback([options, command] { run_train(*options, *command); });
}

}  // namespace rfm::cli
