// Learning on bandit-bimodal without the trainer, for tests and `rfm bench bandit`: a replay of
// uniform actions and their rewards (every step terminal, so the critic's target is r), updates on
// uniform batches from it, and how close a policy's actions come to the exact Boltzmann policy
// exp(r/λ) on a grid.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "rfm/rl/agent.h"

namespace rfm::rl {

class BanditHarness {
 public:
  // Draws the replay's actions with a generator of its own seeded with `seed`; update() draws its
  // batch rows from the same generator.
  BanditHarness(int64_t replay_size, int64_t batch_size, std::uint64_t seed);
  // One agent update on a batch drawn uniformly from the replay.
  void update(Agent& agent, std::vector<double>& statistics);

 private:
  at::Generator generator_;
  torch::Tensor actions_, rewards_;
  TransitionBatch batch_;
};

// A sample of actions against exp(r/λ) on a 20 × 20 grid of [−1, 1]² (the exact mass of each cell
// by 10 × 10 midpoint quadrature): total variation between the two histograms, the mass in the
// quadrant of each mode ((+, +) holds the higher one), and the actions' standard deviation averaged
// over the two dimensions. For reference, the uniform policy is at total variation 0.601 from the
// exact one at λ = 0.2, and 4000 exact samples at about 0.1.
struct BanditPolicyFit {
  double total_variation = 0, first_mode = 0, second_mode = 0, exact_first = 0, exact_second = 0;
  double action_std = 0;
};
BanditPolicyFit fit_to_bandit_boltzmann(const torch::Tensor& actions, double temperature);
// The same for `samples` exploring actions of `agent` at the bandit's one state, drawn with a
// generator seeded 13 (so every caller fits the same draws).
BanditPolicyFit fit_to_bandit_boltzmann(Agent& agent, int64_t samples, double temperature);
// The total variation between the histograms of two sets of actions [N, 2] on the same grid.
double bandit_histogram_distance(const torch::Tensor& first, const torch::Tensor& second);

// bandit-bimodal's task spec (from the task registry), to build agents for the harness.
envs::TaskSpec bandit_task_spec();

}  // namespace rfm::rl
