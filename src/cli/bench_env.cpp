// rfm bench env: stepping rate of a task through the Env interface against the physics alone (the
// same model, the same substeps, in a bare mj_step loop), measured in the same process.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/registry.h"
#include "rfm/util/error.h"
#include "rfm/util/rng.h"

namespace rfm::cli {

namespace {
struct BenchEnvOptions {
  std::vector<std::string> tasks = {"cheetah-run", "walker-walk", "quadruped-run", "humanoid-walk"};
  int steps = 5000;
  int rounds = 5;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// Agent steps per second through the Env, with uniform random actions and resets at episode ends.
double env_rate(envs::Env& env, int steps, Rng& rng) {
  const auto& spec = env.spec();
  std::vector<double> observation, action(spec.action_size);
  env.reset(observation);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    for (int j = 0; j < spec.action_size; ++j)
      action[j] = rng.uniform(spec.action_lower[j], spec.action_upper[j]);
    const auto outcome = env.step(action, observation);
    if (outcome.terminal || outcome.truncated) env.reset(observation);
  }
  return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The same number of agent steps as bare physics: random ctrl, n_sub mj_step calls, no task code.
double physics_rate(envs::Physics& physics, int substeps, int episode_steps, int steps, Rng& rng) {
  mjModel* model = physics.model();
  mjData* data = physics.data();
  mj_resetData(model, data);
  mj_forward(model, data);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    for (int j = 0; j < model->nu; ++j)
      data->ctrl[j] = rng.uniform(model->actuator_ctrlrange[2 * j], model->actuator_ctrlrange[2 * j + 1]);
    for (int k = 0; k < substeps; ++k) mj_step(model, data);
    if ((i + 1) % episode_steps == 0) {
      mj_resetData(model, data);
      mj_forward(model, data);
    }
  }
  return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run_bench_env(const BenchEnvOptions& options) {
  std::printf("%-18s %12s %12s %10s\n", "task", "env_steps/s", "phys_steps/s", "overhead");
  for (const auto& name : options.tasks) {
    auto env = envs::make_env(name, global_options().model_dir);
    auto* task = dynamic_cast<envs::MujocoTask*>(env.get());
    if (!task) throw Error("bench env: '" + name + "' is not a MuJoCo task");
    envs::Physics bare(task->physics().path());
    Rng rng(1);
    env->seed(1);
    std::vector<double> env_rates, physics_rates;
    // Alternate the two so that machine noise affects both alike.
    for (int round = 0; round < options.rounds; ++round) {
      env_rates.push_back(env_rate(*env, options.steps, rng));
      physics_rates.push_back(physics_rate(bare, task->substeps(), env->spec().episode_steps,
                                           options.steps, rng));
    }
    const double env_median = median(env_rates), physics_median = median(physics_rates);
    std::printf("%-18s %12.0f %12.0f %9.1f%%\n", name.c_str(), env_median, physics_median,
                100.0 * (physics_median / env_median - 1.0));
    std::fflush(stdout);
  }
}
}  // namespace

void add_bench_env_command(CLI::App& bench) {
  auto options = std::make_shared<BenchEnvOptions>();
  CLI::App* command = bench.add_subcommand(
      "env", "task stepping rate against the bare physics loop (medians over rounds)");
  command->add_option("--tasks", options->tasks, "tasks to measure")->delimiter(',')
      ->capture_default_str();
  command->add_option("--steps", options->steps, "agent steps per round")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--rounds", options->rounds, "rounds (the median is printed)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->callback([options] { run_bench_env(*options); });
}

}  // namespace rfm::cli
