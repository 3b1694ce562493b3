// Shared by the agents' learning tests: one-thread execution as `rfm --threads 1` sets it, training
// on bandit-bimodal as `rfm bench bandit` does, and a whole training run in a temporary folder that
// reports its last evaluation return.
#pragma once

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "rfm/flow/source.h"
#include "rfm/rl/agent.h"
#include "rfm/rl/bandit_harness.h"
#include "rfm/rl/config.h"
#include "rfm/rl/trainer.h"

namespace rfm::agents {

// LibTorch and OpenBLAS on one thread each, as `rfm --threads 1` sets them.
inline void use_one_thread() {
  at::set_num_threads(1);
  using SetThreads = void (*)(int);
  if (auto set_blas_threads =
          reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
}

// A Boltzmann-targeting agent (one particle) built with seed 11, trained on bandit-bimodal with
// batches of `batch_size` from the bench's replay (seed 12) and fitted with its exploring actions
// (4000, generator 13): what `rfm --threads 1 bench bandit --algo A --mc K --batch B --updates N`
// prints at its last report for the same settings.
inline rl::BanditPolicyFit bandit_fit_after_training(const rl::AgentFactory& factory,
                                                    const rl::Config& config, int64_t batch_size,
                                                    int64_t updates, double temperature) {
  envs::TaskSpec spec;
  spec.name = "bandit-bimodal";
  spec.observation_size = 1;
  spec.action_size = 2;
  const std::unique_ptr<rl::Agent> agent = factory(config, spec, 11);
  rl::BanditHarness harness(/*replay_size=*/4096, batch_size, 12);
  std::vector<double> statistics;
  for (int64_t update = 0; update < updates; ++update) harness.update(*agent, statistics);
  at::Generator generator = flow::make_generator(13);
  const rl::BanditPolicyFit fit = rl::fit_to_bandit_boltzmann(
      agent->act(torch::ones({4000, 1}), /*explore=*/true, generator), temperature);
  std::printf("bandit fit: TV %.3f, mode masses %.3f / %.3f (exact %.3f / %.3f)\n",
              fit.total_variation, fit.first_mode, fit.second_mode, fit.exact_first,
              fit.exact_second);
  return fit;
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

// Trains a new run of `config` (its run identity set) through the trainer, as `rfm train` does, in
// a temporary folder that is removed afterwards; returns the return_mean of eval.csv's last row.
inline double train_and_read_last_evaluation(const rl::Config& config,
                                              const rl::AgentFactory& factory) {
  std::string pattern = ::testing::TempDir() + "rfm_learning_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "cannot create " << pattern;
  const std::filesystem::path run_dir = std::filesystem::path(pattern) / "run";
  rl::train_new_run(config, run_dir.string(), factory, rl::TrainerHooks{});
  std::ifstream in(run_dir / "eval.csv");
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::filesystem::remove_all(pattern);
  const std::size_t first_comma = last.find(',');
  return std::stod(last.substr(first_comma + 1, last.find(',', first_comma + 1) - first_comma - 1));
}

}  // namespace rfm::agents
