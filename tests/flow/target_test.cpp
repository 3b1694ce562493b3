// Targets (docs/algorithms.md §2): batched log-density and gradient, the tanh
// latent against quadrature.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "rfm/flow/estimators.h"
#include "rfm/util/error.h"

namespace rfm::flow {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

// A bimodal 1-D critic whose modes sit near the action bounds.
torch::Tensor bimodal_critic(const torch::Tensor& states, const torch::Tensor& actions) {
  const torch::Tensor a = actions.squeeze(-1);
  return -4 * (a * a - 0.64).pow(2) + 0.5 * a * states.squeeze(-1);
}

TEST(Targets, LogSechSquaredIsStable) {
  const torch::Tensor u = torch::tensor({-800.0, -3.0, 0.0, 2.5, 800.0}, kDouble);
  const torch::Tensor direct = torch::log(1 / torch::cosh(u).pow(2));
  const torch::Tensor stable = log_sech_squared(u);
  EXPECT_TRUE(torch::isfinite(stable).all().item<bool>());
  EXPECT_TRUE(torch::allclose(stable.slice(0, 1, 4), direct.slice(0, 1, 4), 1e-12, 1e-12));
  EXPECT_NEAR(stable[4].item<double>(), -2 * 800 + 2 * std::log(2.0), 1e-9);
}

TEST(Targets, BoltzmannGradientMatchesFiniteDifferencesWithConditionsRepeated) {
  at::Generator generator = make_generator(2);
  const torch::Tensor states = at::randn({3, 1}, generator, kDouble);
  const torch::Tensor points = at::randn({3, 5, 1}, generator, kDouble) * 2;
  for (bool latent : {false, true}) {
    BoltzmannTarget target(bimodal_critic, 0.1, latent);
    const LogDensityEvaluation value = target.evaluate(points, states);
    ASSERT_EQ(value.log_density.sizes(), (std::vector<int64_t>{3, 5}));
    ASSERT_EQ(value.gradient.sizes(), (std::vector<int64_t>{3, 5, 1}));
    const double h = 1e-6;
    const torch::Tensor fd = (target.evaluate(points + h, states).log_density -
                              target.evaluate(points - h, states).log_density) /
                             (2 * h);
    EXPECT_TRUE(torch::allclose(value.gradient.squeeze(-1), fd, 1e-5, 1e-5)) << "latent " << latent;
    // Each row's value uses its own state: compare with a direct evaluation.
    const torch::Tensor a = latent ? torch::tanh(points) : points;
    torch::Tensor direct =
        bimodal_critic(states.repeat_interleave(5, 0), a.reshape({-1, 1})).view({3, 5}) / 0.1;
    if (latent) direct = direct + log_sech_squared(points).sum(-1);
    EXPECT_TRUE(torch::allclose(value.log_density, direct, 1e-12, 1e-12));
  }
}

TEST(Targets, TanhLatentPosteriorMeanMatchesQuadrature) {
  // p1(u) ∝ exp(Q(s, tanh u)/λ) sech²(u); q0(x0 | x) ∝ N(x0; 0, 1) p1((x − β x0)/α).
  const double temperature = 0.25;
  BoltzmannTarget target(bimodal_critic, temperature, /*tanh_latent=*/true);
  GaussianSource source;
  const Schedule schedule = Schedule::flow();
  const torch::Tensor x = torch::tensor({{-0.8}, {0.1}, {0.5}, {1.2}}, kDouble);
  const torch::Tensor t = torch::tensor({0.5, 0.6, 0.75, 0.9}, kDouble);
  const torch::Tensor states = torch::tensor({{0.5}, {-1.0}, {0.0}, {1.0}}, kDouble);
  // Quadrature on a fine grid of x0.
  const torch::Tensor grid = torch::linspace(-12, 12, 48001, kDouble);
  torch::Tensor exact = torch::empty({4}, kDouble);
  for (int i = 0; i < 4; ++i) {
    const double a = schedule.alpha(t[i]).item<double>(), b = schedule.beta(t[i]).item<double>();
    const torch::Tensor u = (x[i][0].item<double>() - b * grid) / a;
    const torch::Tensor log_q =
        -0.5 * grid * grid +
        bimodal_critic(states[i].expand({grid.size(0), 1}), torch::tanh(u).unsqueeze(1)) /
            temperature +
        log_sech_squared(u);
    const torch::Tensor q = torch::exp(log_q - log_q.max());
    exact[i] = (q * grid).sum() / q.sum();
  }
  for (const char* name : {"snis", "eta1", "optimal-diag"}) {
    for (EstimatorSide side : {EstimatorSide::noise, EstimatorSide::data}) {
      EstimatorOptions options = EstimatorOptions::parse(name);
      options.side = side;
      // η = 1 has heavy-tailed terms here (a weighted mean of ∇Q with β/α = 1 at t = 0.5): it needs
      // more draws for the same accuracy, which is the point of the control variates.
      const bool score_only = options.kind == EstimatorKind::fixed_eta;
      options.num_draws = score_only ? 2000000 : 200000;
      at::Generator generator = make_generator(9);
      const PosteriorMean estimate =
          estimate_posterior_mean(x, t, schedule, source, target, states, options, generator);
      EXPECT_TRUE(
          torch::allclose(estimate.noise_mean.squeeze(1), exact, 0, score_only ? 0.015 : 0.01))
          << name << ": " << estimate.noise_mean.squeeze(1) << " vs " << exact;
      EXPECT_TRUE((estimate.ess > 100).all().item<bool>());
    }
  }
}

TEST(Targets, ShapeErrorsAreReported) {
  BoltzmannTarget target(bimodal_critic, 0.1, false);
  EXPECT_THROW(target.evaluate(torch::zeros({3, 1}, kDouble), torch::zeros({3, 1}, kDouble)),
               Error);
  EXPECT_THROW(target.evaluate(torch::zeros({3, 2, 1}, kDouble), torch::zeros({4, 1}, kDouble)),
               Error);
}

}  // namespace
}  // namespace rfm::flow
