#include "rfm/rl/bandit_harness.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "rfm/envs/bandit.h"
#include "rfm/envs/registry.h"
#include "rfm/flow/source.h"
#include "rfm/util/error.h"

namespace rfm::rl {

BanditHarness::BanditHarness(int64_t replay_size, int64_t batch_size, std::uint64_t seed)
    : generator_(flow::make_generator(seed)) {
  if (replay_size < 1 || batch_size < 1)
    throw Error("bandit harness: the replay and batch sizes must be positive");
  actions_ = torch::rand({replay_size, 2}, generator_) * 2 - 1;
  rewards_ = torch::empty({replay_size});
  const auto action_rows = actions_.accessor<float, 2>();
  auto reward_rows = rewards_.accessor<float, 1>();
  for (int64_t i = 0; i < replay_size; ++i)
    reward_rows[i] =
        static_cast<float>(envs::bandit_bimodal_reward(action_rows[i][0], action_rows[i][1]));
  batch_.observations = torch::ones({batch_size, 1});
  batch_.next_observations = torch::ones({batch_size, 1});
  batch_.terminals = torch::ones({batch_size});
}

void BanditHarness::update(Agent& agent, std::vector<double>& statistics) {
  const torch::Tensor rows =
      torch::randint(actions_.size(0), {batch_.observations.size(0)}, generator_, torch::kLong);
  batch_.actions = actions_.index_select(0, rows);
  batch_.rewards = rewards_.index_select(0, rows);
  agent.update(batch_, statistics);
}

namespace {

constexpr int kBins = 20;
constexpr double kCell = 2.0 / kBins;

// The actions [N, 2] as float64, checked.
torch::Tensor bandit_points(const torch::Tensor& actions) {
  if (actions.dim() != 2 || actions.size(1) != 2 || actions.size(0) < 2)
    throw Error("bandit fit: expected at least two 2-D actions");
  return actions.to(torch::kFloat64).contiguous();
}

int cell_of(double value) {
  return std::min(kBins - 1, std::max(0, static_cast<int>((value + 1) / kCell)));
}

// The share of the points in each cell of the 20 × 20 grid, row-major (first coordinate first).
std::vector<double> cell_shares(const torch::Tensor& points_tensor) {
  std::vector<double> shares(kBins * kBins, 0.0);
  const int64_t samples = points_tensor.size(0);
  const double* points = points_tensor.data_ptr<double>();
  for (int64_t n = 0; n < samples; ++n)
    shares[cell_of(points[2 * n]) * kBins + cell_of(points[2 * n + 1])] += 1.0 / samples;
  return shares;
}

double total_variation(const std::vector<double>& p, const std::vector<double>& q) {
  double distance = 0;
  for (std::size_t cell = 0; cell < p.size(); ++cell) distance += 0.5 * std::abs(p[cell] - q[cell]);
  return distance;
}

}  // namespace

BanditPolicyFit fit_to_bandit_boltzmann(const torch::Tensor& actions, double temperature) {
  constexpr int kQuadrature = 10;
  const torch::Tensor points_tensor = bandit_points(actions);
  std::vector<double> exact(kBins * kBins);
  double total = 0;
  for (int i = 0; i < kBins; ++i)
    for (int j = 0; j < kBins; ++j) {
      double mass = 0;
      for (int a = 0; a < kQuadrature; ++a)
        for (int b = 0; b < kQuadrature; ++b)
          mass += std::exp(envs::bandit_bimodal_reward(-1 + (i + (a + 0.5) / kQuadrature) * kCell,
                                                       -1 + (j + (b + 0.5) / kQuadrature) * kCell) /
                           temperature);
      exact[i * kBins + j] = mass;
      total += mass;
    }
  for (double& mass : exact) mass /= total;
  BanditPolicyFit fit;
  const int64_t samples = points_tensor.size(0);
  const double* points = points_tensor.data_ptr<double>();
  for (int64_t n = 0; n < samples; ++n) {
    const double a0 = points[2 * n], a1 = points[2 * n + 1];
    fit.first_mode += (a0 > 0 && a1 > 0) ? 1.0 / samples : 0.0;
    fit.second_mode += (a0 < 0 && a1 < 0) ? 1.0 / samples : 0.0;
  }
  fit.total_variation = total_variation(exact, cell_shares(points_tensor));
  for (int i = 0; i < kBins; ++i)
    for (int j = 0; j < kBins; ++j) {
      if (i >= kBins / 2 && j >= kBins / 2) fit.exact_first += exact[i * kBins + j];
      if (i < kBins / 2 && j < kBins / 2) fit.exact_second += exact[i * kBins + j];
    }
  fit.action_std = points_tensor.std(0).mean().item<double>();
  return fit;
}

double bandit_histogram_distance(const torch::Tensor& first, const torch::Tensor& second) {
  return total_variation(cell_shares(bandit_points(first)), cell_shares(bandit_points(second)));
}

BanditPolicyFit fit_to_bandit_boltzmann(Agent& agent, int64_t samples, double temperature) {
  at::Generator generator = flow::make_generator(13);
  return fit_to_bandit_boltzmann(agent.act(torch::ones({samples, 1}), /*explore=*/true, generator),
                                 temperature);
}

envs::TaskSpec bandit_task_spec() {
  return envs::make_env("bandit-bimodal")->spec();
}

}  // namespace rfm::rl
