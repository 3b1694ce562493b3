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

// Agent steps per second through the Env, with uniform random actions. Only step() is timed:
// episode resets do task work of their own (cheetah settles for 200 physics steps, quadruped
// searches for a contact-free height) that is part of the task, not of the wrapper.
double env_rate(envs::Env& env, int steps, Rng& rng) {
  using Clock = std::chrono::steady_clock;
  const auto& spec = env.spec();
  std::vector<double> observation, action(spec.action_size);
  env.reset(observation);
  Clock::duration stepping{};
  for (int i = 0; i < steps; ++i) {
    envs::draw_uniform_action(spec, rng, action);
    const auto start = Clock::now();
    const auto outcome = env.step(action, observation);
    stepping += Clock::now() - start;
    if (outcome.terminal || outcome.truncated) env.reset(observation);
  }
  return steps / std::chrono::duration<double>(stepping).count();
}

// The same number of agent steps as bare physics: random ctrl, n_sub mj_step calls, no task code;
// timed the same way (per step, resets excluded). Episodes start from the task's own initial
// states (copied from a task reset), so that both loops simulate the same kind of motion.
double physics_rate(envs::MujocoTask& task, envs::Physics& physics, int steps, Rng& rng) {
  using Clock = std::chrono::steady_clock;
  mjModel* model = physics.model();
  mjData* data = physics.data();
  std::vector<double> observation;
  auto start_episode = [&] {
    task.reset(observation);
    mj_copyData(data, model, task.physics().data());
  };
  start_episode();
  Clock::duration stepping{};
  for (int i = 0; i < steps; ++i) {
    for (int j = 0; j < model->nu; ++j)
      data->ctrl[j] =
          rng.uniform(model->actuator_ctrlrange[2 * j], model->actuator_ctrlrange[2 * j + 1]);
    const auto start = Clock::now();
    for (int k = 0; k < task.substeps(); ++k) mj_step(model, data);
    stepping += Clock::now() - start;
    if ((i + 1) % task.spec().episode_steps == 0) start_episode();
  }
  return steps / std::chrono::duration<double>(stepping).count();
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
      physics_rates.push_back(physics_rate(*task, bare, options.steps, rng));
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
  command->add_option("--tasks", options->tasks, "tasks to measure")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--steps", options->steps, "agent steps per round")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--rounds", options->rounds, "rounds (the median is printed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback([options] { run_bench_env(*options); });
}

}  // namespace rfm::cli
