// Shared by the agents' learning tests: one-thread execution as `rfm --threads 1` sets it, training
// on bandit-bimodal as `rfm bench bandit` does, and a whole training run on cartpole-balance in a
// temporary folder that reports its evaluation returns.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "rfm/rl/agent.h"
#include "rfm/rl/bandit_harness.h"
#include "rfm/rl/config.h"
#include "rfm/rl/learning_curves.h"
#include "rfm/rl/trainer.h"
#include "rfm/util/threads.h"
#include "scratch_folder.h"

namespace rfm::agents {

// LibTorch and OpenBLAS on one thread each, as `rfm --threads 1` sets them.
inline void use_one_thread() {
  set_cpu_threads(1);
}

// An agent built with seed 11 and trained on bandit-bimodal with batches of `batch_size` from the
// bench's replay (seed 12), as `rfm --threads 1 bench bandit --algo A --batch B --updates N`
// trains.
inline std::unique_ptr<rl::Agent> bandit_trained_agent(const rl::AgentFactory& factory,
                                                       const rl::Config& config, int64_t batch_size,
                                                       int64_t updates) {
  std::unique_ptr<rl::Agent> agent = factory(config, rl::bandit_task_spec(), rl::AgentContext{11});
  rl::BanditHarness harness(/*replay_size=*/4096, batch_size, 12);
  std::vector<double> statistics;
  for (int64_t update = 0; update < updates; ++update) harness.update(*agent, statistics);
  return agent;
}

// A Boltzmann-targeting agent (one particle) trained as bandit_trained_agent() trains it and fitted
// with its exploring actions (4000, generator 13): what `rfm --threads 1 bench bandit --algo A
// --mc K --batch B --updates N` prints at its last report for the same settings.
inline rl::BanditPolicyFit bandit_fit_after_training(const rl::AgentFactory& factory,
                                                     const rl::Config& config, int64_t batch_size,
                                                     int64_t updates, double temperature) {
  const std::unique_ptr<rl::Agent> agent =
      bandit_trained_agent(factory, config, batch_size, updates);
  const rl::BanditPolicyFit fit = rl::fit_to_bandit_boltzmann(*agent, 4000, temperature);
  std::printf("bandit fit: TV %.3f, mode masses %.3f / %.3f (exact %.3f / %.3f)\n",
              fit.total_variation, fit.first_mode, fit.second_mode, fit.exact_first,
              fit.exact_second);
  return fit;
}

// The RFM family's bandit setting (rfm, rfm-vp, rfm-ve): `algorithm`'s paper preset at λ 0.2 with
// one particle and K = 512 posterior draws, as `rfm bench bandit --algo A --mc 512` sets it.
inline rl::Config rfm_family_bandit_config(const std::string& algorithm) {
  rl::Config config = rl::Config::from_preset(RFM_CONFIGS_DIR, algorithm, "paper");
  for (const char* assignment : {"rfm.temperature=0.2", "rfm.particles=1", "rfm.mc_samples=512"})
    config.set(assignment);
  return config;
}

// The limits of the Boltzmann-targeting agents' bandit tests at λ 0.2 (exact masses 0.612 / 0.303,
// uniform policy at TV 0.601); RfmLearning.BanditPolicyApproachesTheBoltzmannPolicyWithBothModes
// gives the reasons for each.
inline void expect_near_the_bandit_boltzmann_policy(const rl::BanditPolicyFit& fit) {
  EXPECT_LT(fit.total_variation, 0.45);
  EXPECT_GT(fit.first_mode, 0.45);
  EXPECT_LT(fit.first_mode, 0.75);
  EXPECT_GT(fit.second_mode, 0.2);
  EXPECT_LT(fit.second_mode, 0.4);
}

// A new run of `algorithm` on cartpole-balance through the trainer, as `rfm train` does, in a
// temporary folder removed afterwards: `config` (a preset, with any algorithm keys already set)
// for `steps` environment steps at batch `batch_size`, seed 1, 1000 warm-up steps and an
// evaluation of 5 episodes every `eval_every` steps; returns the evaluations' mean returns in
// order (empty if the run could not be read).
inline std::vector<double> cartpole_balance_evaluations(rl::Config config,
                                                        const rl::AgentFactory& factory,
                                                        const std::string& algorithm, int64_t steps,
                                                        int64_t batch_size, int64_t eval_every) {
  const std::string total = std::to_string(steps);
  for (const std::string& assignment :
       {"trainer.total_steps=" + total, std::string("trainer.warmup_steps=1000"),
        "trainer.batch_size=" + std::to_string(batch_size),
        "trainer.eval_every=" + std::to_string(eval_every), std::string("trainer.eval_episodes=5"),
        "trainer.checkpoint_every=" + total, std::string("trainer.log_every=5000")})
    config.set(assignment);
  rl::set_run_identity(config, {algorithm, "cartpole-balance", 1});
  const test::ScratchFolder scratch("rfm_learning");
  if (scratch.path().empty()) return {};
  const std::filesystem::path run_dir = scratch.path() / "run";
  rl::train_new_run(config, run_dir.string(), factory, rl::TrainerHooks{});
  const rl::EvalCurve curve = rl::read_eval_csv((run_dir / "eval.csv").string());
  for (std::size_t row = 0; row < curve.steps.size(); ++row)
    std::printf("%s on cartpole-balance: %.3f at step %lld\n", algorithm.c_str(),
                curve.return_means[row], static_cast<long long>(curve.steps[row]));
  if (curve.return_means.empty()) ADD_FAILURE() << "no evaluation in " << run_dir;
  return curve.return_means;
}

// cartpole_balance_evaluations() with a single evaluation after `steps`: its mean return.
inline double cartpole_balance_return(const rl::Config& config, const rl::AgentFactory& factory,
                                      const std::string& algorithm, int64_t steps,
                                      int64_t batch_size) {
  const std::vector<double> mean_returns =
      cartpole_balance_evaluations(config, factory, algorithm, steps, batch_size, steps);
  return mean_returns.empty() ? std::nan("") : mean_returns.back();
}

}  // namespace rfm::agents
