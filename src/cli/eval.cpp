// rfm eval: evaluate a run's last checkpoint with the trainer's evaluation protocol.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "rfm/agents/registry.h"
#include "rfm/rl/run_folder.h"
#include "rfm/rl/trainer.h"

namespace rfm::cli {

namespace {
struct EvalOptions {
  std::string run;
  std::int64_t episodes = 0;
};

void run_eval(const EvalOptions& options) {
  const rl::Config config = rl::read_run_config(options.run);
  const rl::RunIdentity identity = rl::run_identity(config);
  rl::TrainerHooks hooks;
  hooks.model_dir = global_options().model_dir;
  hooks.device = global_options().compute_device;
  const rl::EvaluationResult result = rl::evaluate_run(
      options.run, options.episodes, agents::agent_factory(identity.algorithm), hooks);
  std::printf(
      "%s on %s, seed %llu, checkpoint at step %lld: return %.3f ± %.3f over %lld episodes "
      "(min %.3f, max %.3f)\n",
      identity.algorithm.c_str(), identity.task.c_str(),
      static_cast<unsigned long long>(identity.seed), static_cast<long long>(result.step),
      result.return_mean, result.return_std, static_cast<long long>(result.episodes),
      result.return_min, result.return_max);
}
}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command = app.add_subcommand("eval", "evaluate a run's last checkpoint");
  command->add_option("--run", options->run, "run folder")->required();
  command
      ->add_option("--episodes", options->episodes,
                   "episodes, at most 10000 (default: the run's trainer.eval_episodes)")
      ->check(CLI::Range(1, 10000));
  command->callback([options] { run_eval(*options); });
}

}  // namespace rfm::cli
