// rfm bench update: the time of one update of any registered agent at a preset; for RFM also split
// into its phases, with the matrix-product rate it reaches beside this machine's sgemm peak
// measured in the same run.
// The replay buffer is filled with uniform-random transitions of the real task.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "cli/commands.h"
#include "rfm/agents/registry.h"
#include "rfm/agents/rfm.h"
#include "rfm/envs/registry.h"
#include "rfm/rl/config.h"
#include "rfm/rl/replay_buffer.h"

namespace rfm::cli {

namespace {
struct BenchUpdateOptions {
  std::string algorithm = "rfm";
  std::string task = "cheetah-run";
  std::vector<std::string> presets = {"paper", "cpu"};
  std::vector<std::string> overrides;
  int updates = 20;
  int warmup_updates = 3;
  std::uint64_t seed = 0;
};

// Multiply-add FLOPs of the matrix products of one RFM update (§3), counted from the layer sizes:
// a backward pass costs twice its forward pass (input and weight gradients), an input-only
// backward (the posterior's ∇_a Q) once.
double rfm_update_flops(const agents::RfmOptions& options, int64_t state, int64_t action,
                        int64_t batch) {
  const nn::NetworkSizes& sizes = options.common.networks;
  const double hidden = static_cast<double>(sizes.hidden);
  const double blocks = static_cast<double>(sizes.residual_blocks);
  const double embedding = static_cast<double>(sizes.embedding);
  const double critic_hidden = static_cast<double>(sizes.critic_hidden);
  const double critic_layers = static_cast<double>(sizes.critic_layers);
  // Velocity network per row along an ODE path: the first layer's u_t columns, the residual
  // blocks, the output (state and λ columns once per path).
  const double actor_step = 2 * (action * hidden + blocks * hidden * hidden + hidden * action);
  const double actor_path_setup = 2 * (state + embedding) * hidden;
  const double actor_full =
      2 * ((state + action + 2 * embedding) * hidden + blocks * hidden * hidden + hidden * action);
  // Two critic members per row.
  const double critic = 2 * 2 *
                        ((state + action) * critic_hidden +
                         (critic_layers - 1) * critic_hidden * critic_hidden + critic_hidden);
  const auto& policy = std::get<agents::FlowPolicyOptions>(options.policy);
  const double steps_per_path =
      policy.ode_steps * (policy.ode_method == flow::OdeMethod::heun ? 2 : 1);
  const double particles = options.particles;
  const double sampled_states =
      options.proposal == agents::ProposalSource::on_policy ? 2 * batch : batch;
  const double sampling =
      sampled_states * particles * (actor_path_setup + steps_per_path * actor_step + critic);
  const double critic_step = batch * critic /*target*/ + 3 * batch * critic /*online*/;
  const double posterior = batch * options.estimator.num_draws * 2 * critic;
  const double actor_step_flops = 3 * batch * actor_full;
  return sampling + critic_step + posterior + actor_step_flops;
}

void run_bench_update(const BenchUpdateOptions& options) {
  const rl::AgentFactory factory = agents::agent_factory(options.algorithm);
  // RFM's own columns: its sample counts, each phase's share and the matrix-product rate.
  const bool rfm_columns = options.algorithm == "rfm";
  const auto env = envs::make_env(options.task, global_options().model_dir);
  const auto& spec = env->spec();
  const double peak = measure_sgemm_gflops(512, 9);
  const c10::Device device = global_options().compute_device;
  std::printf(
      "%s on task %s (obs %d, act %d), %s, %d threads, CPU sgemm peak %.1f GFLOP/s "
      "(n = 512)\n",
      options.algorithm.c_str(), options.task.c_str(), spec.observation_size, spec.action_size,
      device.str().c_str(), at::get_num_threads(), peak);
  std::printf("%-8s %6s", "preset", "batch");
  if (rfm_columns) std::printf(" %5s %4s %5s", "K", "P", "steps");
  std::printf(" %10s %9s", "updates/s", "ms");
  if (rfm_columns)
    std::printf(" %8s %8s %8s %8s %9s %7s", "sample%", "critic%", "post%", "actor%", "GFLOP/s",
                "%peak");
  std::printf("\n");
  for (const auto& preset : options.presets) {
    rl::ConfigRequest request{configs_dir(), options.algorithm, preset};
    request.overrides = options.overrides;
    const rl::Config config = rl::resolve_config(request);
    const int64_t batch_size = config.get_int("trainer.batch_size");
    const std::unique_ptr<rl::Agent> agent =
        factory(config, spec, rl::AgentContext{options.seed, device});
    // Real states from uniform-random episodes.
    const int64_t transitions = std::max<int64_t>(4 * batch_size, 2000);
    rl::ReplayBuffer replay(transitions, spec.observation_size, spec.action_size);
    Rng rng(options.seed);
    std::vector<double> observation, next_observation, action;
    env->reset(options.seed, observation);
    for (int64_t i = 0; i < transitions; ++i) {
      envs::draw_uniform_action(spec, rng, action);
      const envs::StepOutcome outcome = env->step(action, next_observation);
      const std::vector<float> o(observation.begin(), observation.end()),
          a(action.begin(), action.end()), n(next_observation.begin(), next_observation.end());
      replay.add(o.data(), a.data(), static_cast<float>(outcome.reward), n.data(), outcome.terminal,
                 outcome.truncated);
      if (outcome.terminal || outcome.truncated)
        env->reset(observation);
      else
        observation.swap(next_observation);
    }
    rl::TransitionBatch batch, device_batch;
    const auto& infos = agent->statistics();
    std::vector<double> statistics, seconds, phase_sums;
    for (const auto& info : infos)
      if (info.wall_clock) phase_sums.push_back(0.0);
    for (int i = 0; i < options.warmup_updates + options.updates; ++i) {
      replay.sample(batch_size, rng, batch);
      const auto start = std::chrono::steady_clock::now();
      agent->update(rl::copy_to_device(batch, device, device_batch), statistics);
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (i < options.warmup_updates) continue;
      seconds.push_back(elapsed);
      int phase = 0;
      for (std::size_t k = 0; k < infos.size(); ++k)
        if (infos[k].wall_clock) phase_sums[phase++] += statistics[k];
    }
    const double per_update = median(seconds);
    std::printf("%-8s %6lld", preset.c_str(), static_cast<long long>(batch_size));
    std::optional<agents::RfmOptions> rfm_options;
    if (rfm_columns) {
      rfm_options = agents::RfmOptions::from_config(config);
      std::printf(" %5lld %4lld %5lld", static_cast<long long>(rfm_options->estimator.num_draws),
                  static_cast<long long>(rfm_options->particles),
                  static_cast<long long>(
                      std::get<agents::FlowPolicyOptions>(rfm_options->policy).ode_steps));
    }
    std::printf(" %10.2f %9.1f", 1.0 / per_update, 1e3 * per_update);
    if (rfm_columns) {
      double phase_total = 0;
      for (double sum : phase_sums) phase_total += sum;
      for (double sum : phase_sums) std::printf(" %7.0f%%", 100 * sum / phase_total);
      const double gflops =
          rfm_update_flops(*rfm_options, spec.observation_size, spec.action_size, batch_size) / 1e9;
      std::printf(" %9.1f", gflops / per_update);
      // The CPU's sgemm peak is the yardstick for CPU updates only.
      if (device.is_cpu())
        std::printf(" %6.0f%%", 100 * gflops / per_update / peak);
      else
        std::printf(" %7s", "-");
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("(updates/s and ms: median over %d updates", options.updates);
  if (rfm_columns)
    std::printf(
        "; phases: share of the summed phase times; GFLOP/s: the update's matrix-product "
        "FLOPs counted from layer sizes over its median time");
  std::printf(")\n");
}
}  // namespace

void add_bench_update_command(CLI::App& bench) {
  auto options = std::make_shared<BenchUpdateOptions>();
  CLI::App* command = bench.add_subcommand(
      "update", "time of one agent update per preset, by phase, vs sgemm peak");
  command->add_option("--algo", options->algorithm, algorithm_help())->capture_default_str();
  command->add_option("--task", options->task, "task (see 'rfm tasks')")->capture_default_str();
  command->add_option("--presets", options->presets, "presets to time: paper | cpu")
      ->capture_default_str();
  command->add_option("--set", options->overrides, "override one key: section.key=value")
      ->take_all();
  command->add_option("--updates", options->updates, "timed updates per preset")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--seed", options->seed, "seed")->capture_default_str();
  command->callback([options] { run_bench_update(*options); });
}

}  // namespace rfm::cli
