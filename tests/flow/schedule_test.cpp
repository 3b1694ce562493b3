// Schedules (docs/algorithms.md §1): boundary values, derivatives against finite differences, and
// the round trips between the noise, data, velocity and score parameterisations.
#include "rfm/flow/schedule.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "rfm/util/error.h"

namespace rfm::flow {
namespace {

std::vector<Schedule> all_schedules() {
  return {Schedule::flow(), Schedule::vp_cosine(), Schedule::vp_linear(), Schedule::ve_geometric()};
}

torch::Tensor scalar(double value) {
  return torch::full({1}, value, torch::kFloat64);
}

TEST(Schedule, BoundaryValues) {
  for (const auto& schedule : all_schedules()) {
    SCOPED_TRACE(schedule.name());
    const double alpha0 = schedule.alpha(scalar(0)).item<double>();
    const double beta0 = schedule.beta(scalar(0)).item<double>();
    const double alpha1 = schedule.alpha(scalar(1)).item<double>();
    const double beta1 = schedule.beta(scalar(1)).item<double>();
    EXPECT_NEAR(alpha1, 1.0, 1e-12);
    switch (schedule.kind()) {
      case ScheduleKind::flow:
      case ScheduleKind::vp_cosine:
        EXPECT_NEAR(alpha0, 0.0, 1e-12);
        EXPECT_NEAR(beta0, 1.0, 1e-12);
        EXPECT_NEAR(beta1, 0.0, 1e-7);  // sqrt(1 − α²) amplifies the rounding of α_1
        break;
      case ScheduleKind::vp_linear:
        // ᾱ(τ = 1) = exp(−(β_min + β_max)/2): α_0 = exp(−5.025).
        EXPECT_NEAR(alpha0, std::exp(-0.25 * (0.1 + 20.0)), 1e-12);
        EXPECT_NEAR(beta0 * beta0 + alpha0 * alpha0, 1.0, 1e-12);
        EXPECT_NEAR(beta1, 0.0, 1e-12);
        break;
      case ScheduleKind::ve_geometric:
        EXPECT_NEAR(alpha0, 1.0, 1e-12);
        EXPECT_NEAR(beta0, 1.0, 1e-12);   // σ_max
        EXPECT_NEAR(beta1, 1e-5, 1e-15);  // σ_min
        break;
    }
  }
}

TEST(Schedule, DerivativesMatchFiniteDifferences) {
  const torch::Tensor t = torch::linspace(0.02, 0.98, 25, torch::kFloat64);
  const double h = 1e-6;
  for (const auto& schedule : all_schedules()) {
    SCOPED_TRACE(schedule.name());
    const torch::Tensor fd_alpha = (schedule.alpha(t + h) - schedule.alpha(t - h)) / (2 * h);
    const torch::Tensor fd_beta = (schedule.beta(t + h) - schedule.beta(t - h)) / (2 * h);
    EXPECT_TRUE(torch::allclose(schedule.alpha_derivative(t), fd_alpha, 1e-6, 1e-7));
    EXPECT_TRUE(torch::allclose(schedule.beta_derivative(t), fd_beta, 1e-6, 1e-7));
  }
}

TEST(Schedule, VarianceFamiliesAndMonotonicity) {
  const torch::Tensor t = torch::linspace(0.0, 1.0, 101, torch::kFloat64);
  for (const auto& schedule : {Schedule::vp_cosine(), Schedule::vp_linear()}) {
    const torch::Tensor a = schedule.alpha(t), b = schedule.beta(t);
    EXPECT_TRUE(torch::allclose(a * a + b * b, torch::ones_like(t), 0, 1e-12)) << schedule.name();
    EXPECT_TRUE((a.diff() > 0).all().item<bool>()) << schedule.name();
  }
  EXPECT_TRUE((Schedule::ve_geometric().beta(t).diff() < 0).all().item<bool>());
}

TEST(Schedule, ParameterisationRoundTrips) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({6, 3}, torch::kFloat64);
  const torch::Tensor noise_mean = torch::randn({6, 3}, torch::kFloat64);
  const torch::Tensor t = torch::linspace(0.1, 0.9, 6, torch::kFloat64);
  for (const auto& schedule : all_schedules()) {
    SCOPED_TRACE(schedule.name());
    const torch::Tensor data_mean = schedule.data_from_noise(x, noise_mean, t);
    EXPECT_TRUE(
        torch::allclose(schedule.noise_from_data(x, data_mean, t), noise_mean, 1e-10, 1e-10));
    const torch::Tensor velocity = schedule.velocity_from_noise(x, noise_mean, t);
    EXPECT_TRUE(
        torch::allclose(schedule.velocity_from_data(x, data_mean, t), velocity, 1e-10, 1e-10));
    EXPECT_TRUE(
        torch::allclose(schedule.noise_from_velocity(x, velocity, t), noise_mean, 1e-8, 1e-8));
    const torch::Tensor score = schedule.score_from_noise(noise_mean, t);
    EXPECT_TRUE(torch::allclose(schedule.noise_from_score(score, t), noise_mean, 1e-12, 1e-12));
  }
  // Flow schedule (§1): v = (x − μ0)/t = (μ1 − x)/(1 − t) = μ1 − μ0.
  const Schedule flow = Schedule::flow();
  const torch::Tensor data_mean = flow.data_from_noise(x, noise_mean, t);
  const torch::Tensor velocity = flow.velocity_from_noise(x, noise_mean, t);
  const torch::Tensor tt = t.unsqueeze(1);
  EXPECT_TRUE(torch::allclose(velocity, data_mean - noise_mean, 1e-10, 1e-10));
  EXPECT_TRUE(torch::allclose(velocity, (x - noise_mean) / tt, 1e-10, 1e-10));
  EXPECT_TRUE(torch::allclose(velocity, (data_mean - x) / (1 - tt), 1e-10, 1e-10));
}

TEST(Schedule, ParseRejectsUnknownNames) {
  EXPECT_EQ(Schedule::parse("vp-cosine").kind(), ScheduleKind::vp_cosine);
  try {
    Schedule::parse("cosine");
    FAIL() << "expected rfm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("flow, vp-cosine, vp-linear, ve"), std::string::npos);
  }
}

}  // namespace
}  // namespace rfm::flow
