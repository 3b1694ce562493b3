// Energies (docs/algorithms.md §5), the exact W2 metric on hand-solvable cases, and the
// training-free sampler on a target whose law is known.
#include "rfm/energies/energies.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rfm/energies/wasserstein.h"
#include "rfm/flow/sampler.h"
#include "rfm/util/error.h"

namespace rfm::energies {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

TEST(Wasserstein, PermutedCopyIsAtDistanceZero) {
  at::Generator generator = flow::make_generator(1);
  const torch::Tensor a = at::randn({50, 3}, generator, kDouble);
  const torch::Tensor b =
      a.index_select(0, at::randperm(50, generator, torch::TensorOptions().dtype(torch::kLong)));
  EXPECT_NEAR(wasserstein2(a, b), 0.0, 1e-12);
}

TEST(Wasserstein, TwoPointsMovedByOne) {
  // {(0,0), (1,0)} to {(1,1), (0,1)}: the crossing-free matching moves each point by 1.
  const torch::Tensor a = torch::tensor({{0.0, 0.0}, {1.0, 0.0}}, kDouble);
  const torch::Tensor b = torch::tensor({{1.0, 1.0}, {0.0, 1.0}}, kDouble);
  EXPECT_NEAR(wasserstein2(a, b), 1.0, 1e-12);
}

TEST(Wasserstein, TranslationCostsItsLength) {
  // For b = a + c every matching costs Σ‖a_i − a_σ(i)‖² + n‖c‖² ≥ n‖c‖²: W2 = ‖c‖.
  at::Generator generator = flow::make_generator(2);
  const torch::Tensor a = at::randn({200, 2}, generator, kDouble);
  const torch::Tensor shift = torch::tensor({3.0, -4.0}, kDouble);
  const torch::Tensor b = (a + shift).index_select(
      0, at::randperm(200, generator, torch::TensorOptions().dtype(torch::kLong)));
  EXPECT_NEAR(wasserstein2(a, b), 5.0, 1e-9);
}

TEST(Wasserstein, OneDimensionalSetsMatchSortedOrder) {
  // In 1-D the optimal matching pairs the sorted values.
  at::Generator generator = flow::make_generator(3);
  const torch::Tensor a = at::randn({300, 1}, generator, kDouble);
  const torch::Tensor b = at::rand({300, 1}, generator, kDouble) * 4 - 1;
  const double sorted =
      std::sqrt((std::get<0>(a.sort(0)) - std::get<0>(b.sort(0))).pow(2).mean().item<double>());
  EXPECT_NEAR(wasserstein2(a, b), sorted, 1e-10);
}

TEST(Wasserstein, AssignmentMatchesBruteForce) {
  at::Generator generator = flow::make_generator(4);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t n = 6;
    const torch::Tensor random_cost = at::rand({n * n}, generator, kDouble);
    std::vector<double> cost(random_cost.data_ptr<double>(),
                             random_cost.data_ptr<double>() + n * n);
    std::vector<int64_t> permutation(n);
    std::iota(permutation.begin(), permutation.end(), 0);
    double best = 1e300;
    do {
      double total = 0;
      for (int64_t i = 0; i < n; ++i) total += cost[i * n + permutation[i]];
      best = std::min(best, total);
    } while (std::next_permutation(permutation.begin(), permutation.end()));
    const auto assignment = optimal_assignment(cost, n);
    double total = 0;
    std::vector<int64_t> sorted = assignment;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(sorted[i], i);  // a permutation
      total += cost[i * n + assignment[i]];
    }
    EXPECT_NEAR(total, best, 1e-12);
  }
}

TEST(Wasserstein, RejectsMismatchedSets) {
  EXPECT_THROW(wasserstein2(torch::zeros({3, 2}), torch::zeros({4, 2})), Error);
}

TEST(Energies, Gmm40FollowsIdemConventions) {
  Gmm40 gmm;
  EXPECT_EQ(gmm.means().sizes(), (std::vector<int64_t>{40, 2}));
  EXPECT_LE(gmm.means().abs().max().item<double>(), 40.0);
  EXPECT_GT(gmm.means().abs().max().item<double>(), 30.0);
  EXPECT_NEAR(gmm.component_std(), 1.3133, 1e-4);
  // The fixed seed gives the same means every time.
  EXPECT_TRUE(torch::equal(Gmm40().means(), gmm.means()));
  // Normalised: a Riemann sum over [−50, 50]² integrates to 1.
  const torch::Tensor axis = torch::linspace(-50, 50, 1001, kDouble);
  const auto grid = torch::meshgrid({axis, axis}, "ij");
  const torch::Tensor points = torch::stack({grid[0].reshape(-1), grid[1].reshape(-1)}, 1);
  EXPECT_NEAR(gmm.log_density(points).exp().sum().item<double>() * 0.01, 1.0, 1e-3);
  // Exact samples land near the means.
  at::Generator generator = flow::make_generator(5);
  const torch::Tensor samples = gmm.sample(2000, generator);
  const torch::Tensor nearest = std::get<0>(torch::cdist(samples, gmm.means()).min(1));
  EXPECT_LT(nearest.max().item<double>(), 6 * gmm.component_std());
}

TEST(Energies, DoubleWellOnASquare) {
  // Side 4: the four edges sit at the offset (zero energy); the two diagonals at 4√2.
  const torch::Tensor square = torch::tensor({{0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0}}, kDouble);
  const double s = 4 * std::sqrt(2.0) - 4;
  EXPECT_NEAR(DoubleWell4().log_density(square).item<double>(),
              -2 * (0.9 * std::pow(s, 4) - 4 * s * s), 1e-10);
  // Invariant under translation and particle permutation.
  const torch::Tensor moved = torch::tensor({{5.0, 1.0, 1.0, 5.0, 1.0, 1.0, 5.0, 5.0}}, kDouble);
  EXPECT_NEAR(DoubleWell4().log_density(moved).item<double>(),
              DoubleWell4().log_density(square).item<double>(), 1e-10);
}

TEST(Energies, TargetGradientMatchesFiniteDifferences) {
  for (const char* name : {"gmm40", "dw4", "toy2d"}) {
    const auto energy = make_energy(name);
    const auto target = energy_target(energy);
    at::Generator generator = flow::make_generator(6);
    const torch::Tensor points = at::randn({2, 3, energy->dim()}, generator, kDouble) * 3;
    const flow::LogDensityEvaluation value = target->evaluate(points, torch::Tensor());
    const double h = 1e-6;
    for (int64_t j = 0; j < energy->dim(); ++j) {
      torch::Tensor step = torch::zeros({energy->dim()}, kDouble);
      step[j] = h;
      const torch::Tensor fd = (target->evaluate(points + step, torch::Tensor()).log_density -
                                target->evaluate(points - step, torch::Tensor()).log_density) /
                               (2 * h);
      EXPECT_TRUE(torch::allclose(value.gradient.select(2, j), fd, 1e-5, 1e-5))
          << name << " dim " << j;
    }
  }
}

TEST(Energies, UnknownNameListsTheValidOnes) {
  try {
    make_energy("lj13");
    FAIL() << "expected rfm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gmm40, dw4, toy2d"), std::string::npos);
  }
}

TEST(Sampler, GaussianTargetIsSampledWithTheRightMoments) {
  // With a Gaussian target the optimal-diagonal estimator is nearly exact (once a few draws
  // carry weight), so the ODE transports N(0, I) onto N(m, diag v) up to the step error and
  // the start x_{t0} = β x0 (the α x1 part is dropped: a mean bias of about α m = 0.05,
  // variance α² v ≤ 0.02).
  const torch::Tensor mean = torch::tensor({0.5, -0.5}, kDouble),
                      variance = torch::tensor({0.5, 2.0}, kDouble);
  flow::DiagonalGaussianTarget target(mean, variance);
  flow::GaussianSource source;
  for (flow::OdeMethod method : {flow::OdeMethod::euler, flow::OdeMethod::heun}) {
    flow::SamplerOptions options;
    options.steps = 40;
    options.t_start = 0.1;
    options.method = method;
    options.estimator = flow::EstimatorOptions::parse("optimal-diag");
    options.estimator.num_draws = 256;
    at::Generator generator = flow::make_generator(8);
    const flow::SamplerResult result = flow::sample_probability_flow(
        target, source, flow::Schedule::flow(), 2000, 2, torch::Tensor(), options, generator);
    EXPECT_TRUE(torch::allclose(result.samples.mean(0), mean, 0, 0.1)) << result.samples.mean(0);
    EXPECT_TRUE(torch::allclose(result.samples.var(0), variance, 0.12, 0)) << result.samples.var(0);
    const int64_t velocity_calls = method == flow::OdeMethod::euler ? 40 : 79;
    EXPECT_EQ(result.evaluations, 2000 * 256 * velocity_calls);
  }
}

TEST(Sampler, RingToyIsSampledCloseToExact) {
  const auto energy = make_energy("toy2d");
  flow::SamplerOptions options;
  options.steps = 50;
  options.t_start = 0.05;
  options.estimator = flow::EstimatorOptions::parse("optimal-diag");
  options.estimator.num_draws = 256;
  at::Generator generator = flow::make_generator(9);
  const auto result = flow::sample_probability_flow(*energy_target(energy), flow::GaussianSource(),
                                                    flow::Schedule::flow(), 500, 2, torch::Tensor(),
                                                    options, generator);
  const double model = wasserstein2(result.samples, energy->sample(500, generator));
  const double exact = wasserstein2(energy->sample(500, generator), energy->sample(500, generator));
  EXPECT_LT(model, 2.0 * exact + 0.2) << "model " << model << " exact " << exact;
}

TEST(Sampler, DoubleWellPairDistancesSitInTheWells) {
  // The pair potential 0.9 (d − 4)⁴ − 4 (d − 4)² has its minima at d = 4 ± sqrt(20/9) ≈ 2.51, 5.49.
  const auto energy = make_energy("dw4");
  flow::SamplerOptions options;
  options.steps = 20;
  options.t_start = energy->sampler_t_start();
  options.estimator = flow::EstimatorOptions::parse("optimal-diag");
  options.estimator.num_draws = 128;
  at::Generator generator = flow::make_generator(10);
  const auto result = flow::sample_probability_flow(*energy_target(energy), flow::GaussianSource(),
                                                    flow::Schedule::flow(), 200, 8, torch::Tensor(),
                                                    options, generator);
  const torch::Tensor particles = result.samples.view({200, 4, 2});
  const torch::Tensor distances = torch::cdist(particles, particles);
  const torch::Tensor pairs = torch::triu_indices(4, 4, 1);
  const torch::Tensor d =
      distances.index({torch::indexing::Slice(), pairs[0], pairs[1]}).reshape(-1);
  const double near_a_well = ((d - 2.51).abs().lt(1.0) | (d - 5.49).abs().lt(1.0))
                                 .to(torch::kFloat64)
                                 .mean()
                                 .item<double>();
  EXPECT_GT(near_a_well, 0.8);
}

}  // namespace
}  // namespace rfm::energies
