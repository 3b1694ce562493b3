// rfm rollout: run a fixed policy (uniform random or zero) for some episodes; print each episode's
// return and the stepping rate.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "rfm/envs/registry.h"
#include "rfm/util/error.h"
#include "rfm/util/rng.h"

namespace rfm::cli {

namespace {
struct RolloutOptions {
  std::string task;
  std::string policy = "random";
  int episodes = 1;
  std::uint64_t seed = 0;
  std::string csv;
};

void run_rollout(const RolloutOptions& options) {
  auto env = envs::make_env(options.task, global_options().model_dir);
  const auto& spec = env->spec();
  std::ofstream csv;
  if (!options.csv.empty()) {
    csv.open(options.csv);
    if (!csv) throw Error("cannot write '" + options.csv + "'");
    csv << "episode,return,steps,steps_per_second\n";
  }
  env->seed(options.seed);
  // The policy draws from its own stream so that the task's draws do not depend on the policy.
  Rng policy_rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  const bool random_policy = options.policy == "random";
  std::vector<double> observation, action(spec.action_size, 0.0);
  double total_return = 0, total_return_sq = 0, total_seconds = 0;
  long total_steps = 0;
  for (int episode = 1; episode <= options.episodes; ++episode) {
    double episode_return = 0;
    int steps = 0;
    const auto start = std::chrono::steady_clock::now();
    env->reset(observation);
    for (bool done = false; !done; ++steps) {
      if (random_policy) envs::draw_uniform_action(spec, policy_rng, action);
      const auto outcome = env->step(action, observation);
      episode_return += outcome.reward;
      done = outcome.terminal || outcome.truncated;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("episode %d: return %.3f over %d steps, %.0f steps/s\n", episode, episode_return,
                steps, steps / seconds);
    if (csv)
      csv << episode << ',' << episode_return << ',' << steps << ',' << steps / seconds << '\n';
    total_return += episode_return;
    total_return_sq += episode_return * episode_return;
    total_seconds += seconds;
    total_steps += steps;
  }
  const double mean = total_return / options.episodes;
  const double variance = std::max(0.0, total_return_sq / options.episodes - mean * mean);
  std::printf("%s, %s policy, %d episodes: mean return %.3f (std %.3f), %.0f steps/s\n",
              spec.name.c_str(), options.policy.c_str(), options.episodes, mean,
              std::sqrt(variance), total_steps / total_seconds);
}
}  // namespace

void add_rollout_command(CLI::App& app) {
  auto options = std::make_shared<RolloutOptions>();
  CLI::App* command = app.add_subcommand("rollout", "run a random or zero policy on a task");
  command->add_option("--task", options->task, "task name (see 'rfm tasks')")->required();
  command->add_option("--policy", options->policy, "random (uniform within the bounds) or zero")
      ->check(CLI::IsMember({"random", "zero"}))
      ->capture_default_str();
  command->add_option("--episodes", options->episodes, "number of episodes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--seed", options->seed, "seed of the task and the policy")
      ->capture_default_str();
  command->add_option("--csv", options->csv, "also write episode,return,steps,steps_per_second");
  command->callback([options] { run_rollout(*options); });
}

}  // namespace rfm::cli
