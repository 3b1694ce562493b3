// Posterior-mean estimators (docs/algorithms.md §2) against closed forms and against the QNE and
// iDEM/DQS targets computed independently on the same draws.
#include "rfm/flow/estimators.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "rfm/util/error.h"

namespace rfm::flow {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

// Gaussian target N(m, diag v), standard Gaussian source: per dimension x ~ N(α m, α² v + β²) and
// E[X0 | x] = β (x − α m)/(α² v + β²) (§2 exactness check).
torch::Tensor gaussian_noise_mean(const torch::Tensor& x, const torch::Tensor& t, const Schedule& s,
                                  const torch::Tensor& mean, const torch::Tensor& variance) {
  const torch::Tensor a = s.alpha(t).unsqueeze(1), b = s.beta(t).unsqueeze(1);
  return b * (x - a * mean) / (a * a * variance + b * b);
}

struct GaussianProblem {
  torch::Tensor mean = torch::tensor({1.5, -0.5, 0.25}, kDouble);
  torch::Tensor variance = torch::tensor({0.5, 2.0, 0.1}, kDouble);
  DiagonalGaussianTarget target{mean, variance};
  GaussianSource source;
  Schedule schedule = Schedule::flow();
  torch::Tensor t, x, exact;

  explicit GaussianProblem(int64_t points) {
    at::Generator generator = make_generator(11);
    t = at::rand({points}, generator, kDouble) * 0.5 + 0.4;
    const torch::Tensor x1 = mean + variance.sqrt() * at::randn({points, 3}, generator, kDouble);
    const torch::Tensor x0 = at::randn({points, 3}, generator, kDouble);
    x = schedule.alpha(t).unsqueeze(1) * x1 + schedule.beta(t).unsqueeze(1) * x0;
    exact = gaussian_noise_mean(x, t, schedule, mean, variance);
  }
};

std::vector<EstimatorOptions> all_estimators() {
  std::vector<EstimatorOptions> result;
  for (const char* name : {"snis", "eta0", "eta1", "eta=0.5", "optimal-iso", "optimal-diag"}) {
    for (EstimatorSide side : {EstimatorSide::noise, EstimatorSide::data}) {
      EstimatorOptions options = EstimatorOptions::parse(name);
      options.side = side;
      result.push_back(options);
    }
  }
  return result;
}

std::string label(const EstimatorOptions& options) {
  return options.name() + (options.side == EstimatorSide::noise ? "/noise" : "/data");
}

double mean_squared_error(const torch::Tensor& estimate, const torch::Tensor& exact) {
  return (estimate - exact).pow(2).mean().item<double>();
}

TEST(Estimators, EveryEstimatorConvergesToTheGaussianPosteriorMean) {
  GaussianProblem problem(16);
  for (const auto& base : all_estimators()) {
    SCOPED_TRACE(label(base));
    std::vector<double> errors;
    for (int64_t draws : {32, 512, 8192}) {
      EstimatorOptions options = base;
      options.num_draws = draws;
      // Average over a few independent calls so that the comparison is about K, not luck.
      double error = 0;
      for (int repeat = 0; repeat < 4; ++repeat) {
        at::Generator generator = make_generator(100 + repeat);
        const PosteriorMean estimate =
            estimate_posterior_mean(problem.x, problem.t, problem.schedule, problem.source,
                                    problem.target, torch::Tensor(), options, generator);
        error += mean_squared_error(estimate.noise_mean, problem.exact) / 4;
        // μ1 is consistent with μ0 through §1.
        EXPECT_TRUE(torch::allclose(
            estimate.data_mean,
            problem.schedule.data_from_noise(problem.x, estimate.noise_mean, problem.t), 1e-9,
            1e-9));
      }
      errors.push_back(error);
    }
    // MSE falls like 1/K (256× from K = 32 to 8192); η = 1 has the largest variance here.
    EXPECT_LT(errors.back(), 1e-2);
    EXPECT_LT(errors.back(), std::max(0.05 * errors.front(), 1e-5));
  }
}

TEST(Estimators, OptimalDiagonalHasNearZeroVarianceOnAGaussianTarget) {
  // For a Gaussian target s0 is linear in x0, so x0 + Λ s0 is constant at the plug-in Λ.
  GaussianProblem problem(16);
  for (EstimatorSide side : {EstimatorSide::noise, EstimatorSide::data}) {
    EstimatorOptions optimal = EstimatorOptions::parse("optimal-diag"),
                     snis = EstimatorOptions::parse("snis");
    optimal.side = snis.side = side;
    optimal.num_draws = snis.num_draws = 256;
    double optimal_error = 0, snis_error = 0;
    for (int repeat = 0; repeat < 8; ++repeat) {
      at::Generator generator = make_generator(500 + repeat);
      const PosteriorDraws draws =
          draw_posterior(problem.x, problem.t, 256, problem.schedule, problem.source,
                         problem.target, torch::Tensor(), generator);
      optimal_error += mean_squared_error(
          posterior_mean(draws, problem.x, problem.t, problem.schedule, optimal).noise_mean,
          problem.exact);
      snis_error += mean_squared_error(
          posterior_mean(draws, problem.x, problem.t, problem.schedule, snis).noise_mean,
          problem.exact);
    }
    EXPECT_LT(optimal_error / 8, 1e-5) << (side == EstimatorSide::noise ? "noise" : "data");
    EXPECT_LT(optimal_error, 1e-3 * snis_error);
  }
  // The plug-in Λ is the posterior variance α² v/(α² v + β²) (clip and ridge aside).
  at::Generator generator = make_generator(7);
  EstimatorOptions options = EstimatorOptions::parse("optimal-diag");
  options.side = EstimatorSide::noise;
  options.num_draws = 256;
  const PosteriorMean estimate =
      estimate_posterior_mean(problem.x, problem.t, problem.schedule, problem.source,
                              problem.target, torch::Tensor(), options, generator);
  const torch::Tensor a = problem.schedule.alpha(problem.t).unsqueeze(1);
  const torch::Tensor b = problem.schedule.beta(problem.t).unsqueeze(1);
  const torch::Tensor posterior_variance =
      a * a * problem.variance / (a * a * problem.variance + b * b);
  EXPECT_TRUE(torch::allclose(estimate.coefficients, posterior_variance, 0.02, 0.02));
}

TEST(Estimators, Float32ScoresStayAccurateWhereTheVeNoiseLevelIsTiny) {
  // Late t of the VE schedule (σ from 1e-4 down to 1.1e-5), in float32 as the agents run: the
  // score −μ̂0/σ of rfm-ve's data-side optimal-diag estimate and of DQS's η = 1 must not carry the
  // rounding of x (about 1e-7) times 1/σ², which would be 10 to 1000 here.
  const auto kFloat = torch::TensorOptions().dtype(torch::kFloat32);
  const Schedule schedule = Schedule::ve_geometric();
  const torch::Tensor mean = torch::tensor({0.3, -0.2, 0.1}, kDouble);
  const torch::Tensor variance = torch::tensor({0.25, 0.5, 0.1}, kDouble);
  const DiagonalGaussianTarget target(mean.to(torch::kFloat32), variance.to(torch::kFloat32));
  const GaussianSource source;
  at::Generator generator = make_generator(21);
  const int64_t points = 64;
  const torch::Tensor t = (at::rand({points}, generator, kDouble) * 0.19 + 0.8).to(torch::kFloat32);
  const torch::Tensor sigma = schedule.beta(t.to(torch::kFloat64)).unsqueeze(1);
  const torch::Tensor x1 = mean + variance.sqrt() * at::randn({points, 3}, generator, kDouble);
  const torch::Tensor x =
      (x1 + sigma * at::randn({points, 3}, generator, kDouble)).to(kFloat.dtype());
  // Exact score of the noised Gaussian at the float32 points: −(x − m)/(v + σ²).
  const torch::Tensor exact = -(x.to(torch::kFloat64) - mean) / (variance + sigma * sigma);
  for (const auto& [name, side] :
       {std::pair{"optimal-diag", EstimatorSide::data}, std::pair{"eta1", EstimatorSide::noise},
        std::pair{"eta1", EstimatorSide::data}}) {
    EstimatorOptions options = EstimatorOptions::parse(name);
    options.side = side;
    options.num_draws = 256;
    const PosteriorMean estimate = estimate_posterior_mean(x, t, schedule, source, target,
                                                           torch::Tensor(), options, generator);
    const torch::Tensor score = schedule.score_from_noise(estimate.noise_mean, t);
    const double error = (score.to(torch::kFloat64) - exact).abs().max().item<double>();
    EXPECT_LT(error, 0.05) << label(options);
  }
}

TEST(Estimators, ManyDrawsAreWeighedInChunksOfWholePointsWithTheSameResult) {
  // 3 points × 20000 draws is above the chunk size (util/allocator.h), so the target is evaluated
  // point by point; the log-densities and gradients must equal one evaluation of all draws.
  GaussianProblem problem(3);
  at::Generator generator = make_generator(31);
  const torch::Tensor noise = at::randn({3, 20000, 3}, generator, kDouble);
  const PosteriorDraws draws =
      weigh_posterior_draws(problem.x, problem.t, noise, problem.schedule, problem.source,
                            problem.target, torch::Tensor());
  const LogDensityEvaluation whole = problem.target.evaluate(draws.data, torch::Tensor());
  EXPECT_TRUE(torch::equal(draws.target_log_density, whole.log_density));
  EXPECT_TRUE(torch::equal(draws.target_gradient, whole.gradient));
}

// A smooth multimodal critic on 2-D states and 3-D actions.
torch::Tensor wavy_critic(const torch::Tensor& states, const torch::Tensor& actions) {
  return torch::sin(3 * actions).sum(-1) * (1 + states.select(1, 0)) -
         (actions - states.select(1, 1).unsqueeze(1)).pow(2).sum(-1);
}

TEST(Estimators, DataSideAndNoiseSideAgreeWithLambdaEqualToScaledC) {
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    const auto options = torch::TensorOptions().dtype(dtype);
    at::Generator generator = make_generator(21);
    const torch::Tensor states = at::randn({10, 2}, generator, options);
    const torch::Tensor x = at::randn({10, 3}, generator, options);
    const torch::Tensor t = at::rand({10}, generator, options) * 0.8 + 0.1;
    BoltzmannTarget target(wavy_critic, 0.3, /*tanh_latent=*/true);
    GaussianSource source;
    const Schedule schedule = Schedule::flow();
    const PosteriorDraws draws =
        draw_posterior(x, t, 100, schedule, source, target, states, generator);
    EstimatorOptions data_options = EstimatorOptions::parse("optimal-diag");
    data_options.side = EstimatorSide::data;
    const PosteriorMean data_side = posterior_mean(draws, x, t, schedule, data_options);
    // §2: Λ = (α/β)² c gives the same estimator on the noise side.
    const torch::Tensor ratio = (schedule.alpha(t) / schedule.beta(t)).pow(2).unsqueeze(1);
    const PosteriorMean noise_side =
        posterior_mean_noise_side_with(draws, x, t, schedule, ratio * data_side.coefficients);
    const double tolerance = dtype == torch::kFloat64 ? 1e-10 : 2e-4;
    EXPECT_TRUE(torch::allclose(noise_side.noise_mean, data_side.noise_mean, tolerance, tolerance));
    EXPECT_TRUE(torch::allclose(noise_side.data_mean, data_side.data_mean, tolerance, tolerance));
    EXPECT_TRUE(torch::allclose(data_side.noise_coefficients, ratio * data_side.coefficients));
    // And fixed η is the same estimator on both sides.
    for (double eta : {0.0, 1.0, 0.3}) {
      EstimatorOptions fixed = EstimatorOptions::parse("eta=" + std::to_string(eta));
      fixed.side = EstimatorSide::noise;
      const torch::Tensor noise_mean = posterior_mean(draws, x, t, schedule, fixed).noise_mean;
      fixed.side = EstimatorSide::data;
      EXPECT_TRUE(torch::allclose(posterior_mean(draws, x, t, schedule, fixed).noise_mean,
                                  noise_mean, tolerance, tolerance))
          << "eta " << eta;
    }
  }
}

TEST(Estimators, EtaZeroIsTheQneNoiseTargetAndEtaOneTheDqsScoreTarget) {
  const double temperature = 0.2;
  const int64_t points = 6, draws_per_point = 50;
  at::Generator generator = make_generator(5);
  const torch::Tensor states = at::randn({points, 2}, generator, kDouble);
  const torch::Tensor x = at::randn({points, 3}, generator, kDouble);
  const torch::Tensor t = at::rand({points}, generator, kDouble) * 0.8 + 0.1;
  BoltzmannTarget target(wavy_critic, temperature, /*tanh_latent=*/false);
  GaussianSource source;

  // η = 0 under a VP cosine schedule: QNE's ε-target Σ_k softmax(Q(s, a_k)/λ) ξ_k with candidate
  // clean actions a_k = (x − β ξ_k)/α, computed here directly from the critic.
  {
    const Schedule schedule = Schedule::vp_cosine();
    const PosteriorDraws draws =
        draw_posterior(x, t, draws_per_point, schedule, source, target, states, generator);
    const torch::Tensor xi = draws.noise;
    const torch::Tensor a = schedule.alpha(t).view({-1, 1, 1}),
                        b = schedule.beta(t).view({-1, 1, 1});
    const torch::Tensor candidates = (x.unsqueeze(1) - b * xi) / a;
    const torch::Tensor q =
        wavy_critic(states.repeat_interleave(draws_per_point, 0), candidates.reshape({-1, 3}))
            .view({points, draws_per_point});
    const torch::Tensor weights = torch::softmax(q / temperature, 1);
    const torch::Tensor qne_target = (weights.unsqueeze(-1) * xi).sum(1);
    EstimatorOptions eta0 = EstimatorOptions::parse("eta0");
    for (EstimatorSide side : {EstimatorSide::noise, EstimatorSide::data}) {
      eta0.side = side;
      const PosteriorMean estimate = posterior_mean(draws, x, t, schedule, eta0);
      EXPECT_TRUE(torch::allclose(draws.weights, weights, 1e-12, 1e-12));
      EXPECT_TRUE(torch::allclose(estimate.noise_mean, qne_target, 1e-10, 1e-10));
    }
  }

  // η = 1 under the VE schedule: DQS's score target ∇_x log (1/K) Σ_k exp(Q(s, x + σ ε_k)/λ), by
  // autograd through the log-sum-exp with ε_k = −x0_k; the score is −μ0/σ (§1), and term by term
  // it is iDEM's Σ_k w_k ∇Q(x1_k)/λ.
  {
    const Schedule schedule = Schedule::ve_geometric();
    const PosteriorDraws draws =
        draw_posterior(x, t, draws_per_point, schedule, source, target, states, generator);
    const torch::Tensor sigma = schedule.beta(t).view({-1, 1, 1});
    const torch::Tensor x_leaf = x.clone().requires_grad_(true);
    const torch::Tensor shifted = x_leaf.unsqueeze(1) + sigma * (-draws.noise);
    const torch::Tensor q =
        wavy_critic(states.repeat_interleave(draws_per_point, 0), shifted.reshape({-1, 3}))
            .view({points, draws_per_point});
    const torch::Tensor log_mean_exp =
        torch::logsumexp(q / temperature, 1) - std::log(double(draws_per_point));
    const torch::Tensor dqs_score = torch::autograd::grad({log_mean_exp.sum()}, {x_leaf})[0];
    const torch::Tensor idem_score = (draws.weights.unsqueeze(-1) * draws.target_gradient).sum(1);
    EXPECT_TRUE(torch::allclose(idem_score, dqs_score, 1e-10, 1e-10));
    EstimatorOptions eta1 = EstimatorOptions::parse("eta1");
    for (EstimatorSide side : {EstimatorSide::noise, EstimatorSide::data}) {
      eta1.side = side;
      const PosteriorMean estimate = posterior_mean(draws, x, t, schedule, eta1);
      EXPECT_TRUE(torch::allclose(schedule.score_from_noise(estimate.noise_mean, t), dqs_score,
                                  1e-8, 1e-8));
    }
  }
}

TEST(Estimators, ParseAcceptsTheDocumentedNamesAndRejectsOthers) {
  EXPECT_EQ(EstimatorOptions::parse("snis").kind, EstimatorKind::snis);
  EXPECT_EQ(EstimatorOptions::parse("eta1").eta, 1.0);
  EXPECT_EQ(EstimatorOptions::parse("eta=0.25").eta, 0.25);
  EXPECT_EQ(EstimatorOptions::parse("optimal-iso").kind, EstimatorKind::optimal_isotropic);
  EXPECT_EQ(EstimatorOptions::parse("optimal-diag").name(), "optimal-diag");
  for (const char* bad : {"", "eta", "eta=", "eta=x", "optimal", "SNIS"}) {
    try {
      EstimatorOptions::parse(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(kEstimatorNames), std::string::npos) << e.what();
    }
  }
}

TEST(Estimators, ControlVariatesNeedASmoothSource) {
  UniformBoxSource box(-3, 3);
  GaussianProblem problem(4);
  at::Generator generator = make_generator(1);
  EXPECT_THROW(estimate_posterior_mean(problem.x, problem.t, problem.schedule, box, problem.target,
                                       torch::Tensor(), EstimatorOptions::parse("eta1"), generator),
               Error);
  EXPECT_NO_THROW(estimate_posterior_mean(problem.x, problem.t, problem.schedule, box,
                                          problem.target, torch::Tensor(),
                                          EstimatorOptions::parse("snis"), generator));
}

}  // namespace
}  // namespace rfm::flow
