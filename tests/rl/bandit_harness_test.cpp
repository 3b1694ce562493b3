// The bandit harness's policy measures: the histogram distance between two action sets, and the fit
// to exp(r/λ) checked against an independent, finer integration of the exact policy.
#include "rfm/rl/bandit_harness.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "rfm/envs/bandit.h"
#include "rfm/util/error.h"

namespace rfm::rl {
namespace {

// `count` copies of the action (a0, a1).
torch::Tensor repeated(double a0, double a1, int64_t count) {
  return torch::tensor({a0, a1}, torch::kFloat64).unsqueeze(0).repeat({count, 1});
}

// The mass of exp(r/λ) in [x0, x1] × [y0, y1] relative to the box, by a 400 × 400 midpoint rule.
double exact_mass(double x0, double x1, double y0, double y1, double temperature) {
  constexpr int kPoints = 400;
  const double h = 2.0 / kPoints;
  double inside = 0, total = 0;
  for (int i = 0; i < kPoints; ++i)
    for (int j = 0; j < kPoints; ++j) {
      const double a0 = -1 + (i + 0.5) * h, a1 = -1 + (j + 0.5) * h;
      const double weight = std::exp(envs::bandit_bimodal_reward(a0, a1) / temperature);
      total += weight;
      if (a0 >= x0 && a0 < x1 && a1 >= y0 && a1 < y1) inside += weight;
    }
  return inside / total;
}

TEST(BanditHistogramDistance, IsZeroForTheSameSetOneForDisjointCellsAndHalfForHalfMoved) {
  const torch::Tensor corner = repeated(-0.95, -0.95, 200);
  EXPECT_DOUBLE_EQ(bandit_histogram_distance(corner, corner), 0.0);
  EXPECT_NEAR(bandit_histogram_distance(corner, repeated(0.55, 0.55, 300)), 1.0, 1e-12);
  const torch::Tensor half_moved =
      torch::cat({repeated(-0.95, -0.95, 100), repeated(0.55, 0.55, 100)});
  EXPECT_NEAR(bandit_histogram_distance(corner, half_moved), 0.5, 1e-12);
  // Points in the same 0.1-wide cell are not told apart; the box's edges fall in the edge cells.
  EXPECT_DOUBLE_EQ(bandit_histogram_distance(repeated(0.51, 0.51, 10), repeated(0.59, 0.52, 10)),
                   0.0);
  EXPECT_DOUBLE_EQ(bandit_histogram_distance(repeated(1.0, -1.0, 10), repeated(0.95, -0.95, 10)),
                   0.0);
}

TEST(BanditPolicyFit, ActionsInOneCellAreAtOneMinusThatCellsExactMass) {
  // Every action in the cell [0.5, 0.6)²: the total variation is 1 − p(cell), the first mode's
  // quadrant holds all of them, and the exact quadrant masses are those of exp(r/λ).
  const double temperature = 0.2;
  const BanditPolicyFit fit = fit_to_bandit_boltzmann(repeated(0.55, 0.55, 50), temperature);
  EXPECT_NEAR(fit.total_variation, 1.0 - exact_mass(0.5, 0.6, 0.5, 0.6, temperature), 1e-4);
  EXPECT_DOUBLE_EQ(fit.first_mode, 1.0);
  EXPECT_DOUBLE_EQ(fit.second_mode, 0.0);
  EXPECT_NEAR(fit.exact_first, exact_mass(0, 1, 0, 1, temperature), 1e-4);
  EXPECT_NEAR(fit.exact_second, exact_mass(-1, 0, -1, 0, temperature), 1e-4);
  EXPECT_NEAR(fit.action_std, 0.0, 1e-12);
}

TEST(BanditPolicyFit, UniformActionsAreAtTheDocumentedDistance) {
  // A 200 × 200 lattice of cell midpoints spreads evenly over the cells: the uniform policy's
  // 0.601.
  const torch::Tensor axis = torch::linspace(-1 + 0.005, 1 - 0.005, 200, torch::kFloat64);
  const std::vector<torch::Tensor> grid = torch::meshgrid({axis, axis}, "ij");
  const torch::Tensor lattice = torch::stack({grid[0].flatten(), grid[1].flatten()}, 1);
  EXPECT_NEAR(fit_to_bandit_boltzmann(lattice, 0.2).total_variation, 0.601, 5e-4);
}

TEST(BanditPolicyFit, RejectsActionsThatAreNotTwoDimensional) {
  EXPECT_THROW(fit_to_bandit_boltzmann(torch::zeros({10, 3}), 0.2), Error);
  EXPECT_THROW(bandit_histogram_distance(torch::zeros({10}), torch::zeros({10, 2})), Error);
}

}  // namespace
}  // namespace rfm::rl
