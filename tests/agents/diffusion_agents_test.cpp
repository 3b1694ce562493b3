// The diffusion-policy agents (docs/algorithms.md §4): each one's regression target on a tiny batch
// against an independent float64 computation of its formula (RFM on VP, QNE's η = 0 weights over
// truncated candidates, DQS's η = 1 score, QSM's scaled critic gradient), and the sampler's grid.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "rfm/agents/dqs.h"
#include "rfm/agents/qne.h"
#include "rfm/agents/qsm.h"
#include "rfm/agents/rfm.h"
#include "rfm/flow/source.h"
#include "rfm/rl/config.h"

namespace rfm::agents {
namespace {

constexpr int64_t kStates = 3, kActions = 2, kBatch = 5;
const auto f64 = torch::kFloat64;

rl::Config small_config(const std::string& algorithm, const std::vector<std::string>& overrides) {
  rl::Config config = rl::Config::from_preset(RFM_CONFIGS_DIR, algorithm, "paper");
  config.set("diffusion.steps=4");
  for (const auto& assignment : overrides) config.set(assignment);
  return config;
}

rl::TransitionBatch random_batch(uint64_t seed) {
  torch::manual_seed(seed);
  rl::TransitionBatch b;
  b.observations = torch::randn({kBatch, kStates});
  b.actions = torch::rand({kBatch, kActions}) * 2 - 1;
  b.rewards = torch::rand({kBatch});
  b.next_observations = torch::randn({kBatch, kStates});
  b.terminals = (torch::rand({kBatch}) < 0.3).to(torch::kFloat32);
  return b;
}

// Two updates, so that the critic has moved from its initialisation; returns the last trace.
const PolicyUpdateTrace& trace_after_updates(ActorCriticAgent& agent) {
  agent.set_tracing(true);
  std::vector<double> statistics;
  agent.update(random_batch(1), statistics);
  agent.update(random_batch(2), statistics);
  return agent.last_trace();
}

// The cosine VP schedule written out: ᾱ(τ) = cos²((τ + s)/(1 + s) π/2)/cos²(s/(1 + s) π/2) at
// diffusion time τ = 1 − t, α = sqrt(ᾱ), β = sqrt(1 − ᾱ).
std::pair<double, double> cosine_alpha_beta(double t) {
  const double s = 0.008, pi = std::acos(-1.0);
  const double f = std::pow(std::cos(((1 - t) + s) / (1 + s) * pi / 2), 2);
  const double f0 = std::pow(std::cos(s / (1 + s) * pi / 2), 2);
  return {std::sqrt(f / f0), std::sqrt(1 - f / f0)};
}
// The geometric VE schedule: α = 1, β = σ_max^(1 − t) σ_min^t with σ 1 → 1e-5.
std::pair<double, double> ve_alpha_beta(double t) {
  return {1.0, std::pow(1e-5, t)};
}

torch::Tensor min_q(nn::CriticEnsembleImpl& critic, const torch::Tensor& state,
                    const torch::Tensor& actions) {
  return critic.min_q(state.unsqueeze(0).expand({actions.size(0), -1}), actions.to(torch::kFloat32))
      .to(f64);
}

void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, double tolerance) {
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  EXPECT_LT((actual.to(f64) - expected).abs().max().item<double>(), tolerance * scale)
      << "library\n"
      << actual << "\nindependent\n"
      << expected;
}

void expect_noised(const PolicyUpdateTrace& trace,
                   std::pair<double, double> (*alpha_beta)(double)) {
  for (int64_t b = 0; b < kBatch; ++b) {
    const auto [alpha, beta] = alpha_beta(trace.times[b].item<double>());
    expect_close(trace.noisy[b], alpha * trace.clean[b].to(f64) + beta * trace.noise[b].to(f64),
                 1e-5);
  }
}

TEST(RfmVpUpdate, NoiseTargetIsTheDataSideOptimalDiagonalEstimate) {
  RfmOptions options =
      RfmOptions::from_config(small_config("rfm-vp", {"rfm.mc_samples=8", "rfm.particles=3"}));
  RfmAgent agent(options, kStates, kActions, rl::AgentContext{5});
  const PolicyUpdateTrace& trace = trace_after_updates(agent);
  expect_noised(trace, cosine_alpha_beta);
  const double lambda = agent.policy().temperature(), ridge = 1e-4, clip = 2.0;
  torch::Tensor expected = torch::empty({kBatch, kActions}, f64);
  for (int64_t b = 0; b < kBatch; ++b) {
    const auto [alpha, beta] = cosine_alpha_beta(trace.times[b].item<double>());
    const torch::Tensor x = trace.noisy[b].to(f64);
    const torch::Tensor x0 = trace.posterior_noise_draws[b].to(f64);
    torch::Tensor x1 = ((x - beta * x0) / alpha).detach().requires_grad_(true);
    // log p1(u) = min Q(s, tanh u)/λ + Σ log sech² u (stable form).
    const torch::Tensor log_p1 =
        min_q(agent.critic().online(), trace.states[b], torch::tanh(x1)) / lambda +
        (2 * (std::log(2.0) - x1.abs() - torch::log1p(torch::exp(-2 * x1.abs())))).sum(1);
    const torch::Tensor gradient = torch::autograd::grad({log_p1.sum()}, {x1})[0];
    x1 = x1.detach();
    const torch::Tensor w = torch::softmax(log_p1.detach(), 0).unsqueeze(1);
    // s1 = ∇ log p1(x1) + (α/β) x0; c from the plug-in formula; μ̂1 = x̄1 + c s̄1.
    const torch::Tensor s1 = gradient + (alpha / beta) * x0;
    const torch::Tensor x_bar = (w * x1).sum(0), s_bar = (w * s1).sum(0), w2 = w * w;
    const torch::Tensor c =
        (-(w2 * (x1 - x_bar) * (s1 - s_bar)).sum(0) / ((w2 * (s1 - s_bar).pow(2)).sum(0) + ridge))
            .clamp(-clip, clip);
    expected[b] = (x - alpha * (x_bar + c * s_bar)) / beta;
  }
  expect_close(trace.target, expected, 1e-3);
}

TEST(QneUpdate, NoiseTargetWeighsInBoxCandidatesByTheTargetCritic) {
  // τ = 0 keeps the target critic as the update used it.
  QneAgent agent(QneOptions::from_config(
                     small_config("qne", {"qne.candidates=16", "qne.log_prob_samples=3",
                                          "qne.log_prob_steps=4", "trainer.polyak_tau=0"})),
                 kStates, kActions, rl::AgentContext{6});
  const PolicyUpdateTrace& trace = trace_after_updates(agent);
  expect_noised(trace, cosine_alpha_beta);
  torch::Tensor expected = torch::empty({kBatch, kActions}, f64);
  for (int64_t b = 0; b < kBatch; ++b) {
    const auto [alpha, beta] = cosine_alpha_beta(trace.times[b].item<double>());
    const torch::Tensor x0 = trace.posterior_noise_draws[b].to(f64);
    const torch::Tensor x1 = (trace.noisy[b].to(f64) - beta * x0) / alpha;
    // Every candidate clean action lies in the box (up to float32 rounding of the bounds).
    EXPECT_LE(x1.abs().max().item<double>(), 1.0 + 1e-3);
    const torch::Tensor w =
        torch::softmax(min_q(agent.critic().target(), trace.states[b], x1.clamp(-1, 1)) / 0.02, 0);
    expected[b] = (w.unsqueeze(1) * x0).sum(0);
  }
  expect_close(trace.target, expected, 1e-4);
}

TEST(QneLogLikelihood, PrefersActionsTheSamplerProduces) {
  // A policy trained toward one action gives it a higher ELBO than an action far from it. 3000
  // steps: after 600 or 1200 the samples' mean still depended on the initial weights (0.06 to 0.14
  // from the action over seeds 8 to 11); after 3000 it is 0.055 to 0.064 for each.
  QneAgent agent(QneOptions::from_config(
                     small_config("qne", {"qne.log_prob_samples=64", "qne.log_prob_steps=10"})),
                 kStates, kActions, rl::AgentContext{8});
  auto& policy = agent.policy();
  torch::optim::Adam optimizer(policy.network()->parameters(), torch::optim::AdamOptions(3e-3));
  at::Generator generator = at::detail::createCPUGenerator(3);
  const torch::Tensor state = torch::zeros({64, kStates});
  const torch::Tensor action = torch::full({64, kActions}, 0.5);
  const flow::Schedule& schedule = policy.options().schedule;
  for (int step = 0; step < 3000; ++step) {
    const torch::Tensor t = torch::rand({64}, generator) * 0.99 + 0.005;
    const torch::Tensor noise = torch::randn({64, kActions}, generator);
    const torch::Tensor noisy =
        schedule.alpha(t).unsqueeze(1) * action + schedule.beta(t).unsqueeze(1) * noise;
    optimizer.zero_grad();
    policy.regression_loss(state, noisy, t, noise).backward();
    optimizer.step();
  }
  const torch::Tensor near =
      agent.log_likelihood(state.narrow(0, 0, 1), action.narrow(0, 0, 1), generator);
  const torch::Tensor far =
      agent.log_likelihood(state.narrow(0, 0, 1), -action.narrow(0, 0, 1), generator);
  EXPECT_GT(near.item<double>(), far.item<double>() + 1.0);
  // And its samples land near the action (256 of them: the forward step variance of QNE's
  // sampler spreads them more than the DDPM posterior variance would).
  const torch::Tensor samples = policy.sample(torch::zeros({256, kStates}), generator);
  EXPECT_LT((samples.mean(0) - 0.5).abs().max().item<double>(), 0.1) << samples.mean(0);
}

TEST(QneLogLikelihood, StepWeightIsThatOfTheSamplerVariance) {
  // One ELBO step from t = 0.1 to 0.9 and one noise draw: log π = −w ‖ε − ε̂‖², where w is, for
  // the forward step variance, MaxEntDP's (ᾱ′ − ᾱ)/(2 ᾱ (1 − ᾱ)) and, for the DDPM posterior
  // variance, ½ (SNR′ − SNR)/SNR (ᾱ = α², SNR = ᾱ/(1 − ᾱ), primes at the cleaner end).
  const auto [alpha, beta] = cosine_alpha_beta(0.1);
  const auto [next_alpha, next_beta] = cosine_alpha_beta(0.9);
  const double abar = alpha * alpha, next_abar = next_alpha * next_alpha;
  const double snr = abar / (1 - abar), next_snr = next_abar / (1 - next_abar);
  for (const std::string variance : {"forward", "posterior"}) {
    QneAgent agent(QneOptions::from_config(small_config(
                       "qne", {"qne.log_prob_samples=1", "qne.log_prob_steps=1",
                               "diffusion.t_min=0.1", "diffusion.ancestral_variance=" + variance})),
                   kStates, kActions, rl::AgentContext{8});
    const torch::Tensor state = torch::tensor({{0.3f, -0.2f, 0.5f}});
    const torch::Tensor action = torch::tensor({{0.4f, -0.7f}});
    at::Generator generator = at::detail::createCPUGenerator(5);
    const double log_prob = agent.log_likelihood(state, action, generator).item<double>();
    // The same noise draw, and ε̂ as the sampler reads it (from the clipped data prediction).
    at::Generator replay = at::detail::createCPUGenerator(5);
    const torch::Tensor noise = torch::randn({1, kActions}, replay);
    const torch::Tensor noisy = float(alpha) * action + float(beta) * noise;
    const torch::Tensor t = torch::full({1}, 0.1f);
    const torch::Tensor clean = torch::clamp(
        (noisy - float(beta) * agent.policy().predict_noise(state, noisy, t)) / float(alpha), -1,
        1);
    const double error =
        (noise - (noisy - float(alpha) * clean) / float(beta)).pow(2).sum().item<double>();
    const double weight = variance == "forward" ? (next_abar - abar) / (2 * abar * (1 - abar))
                                                : 0.5 * (next_snr - snr) / snr;
    EXPECT_NEAR(log_prob, -weight * error, 1e-4 * weight * error) << variance;
  }
}

TEST(DqsUpdate, ScoreTargetIsTheWeightedMeanOfCriticGradients) {
  DqsOptions options = DqsOptions::from_config(small_config("dqs", {"dqs.mc_samples=8"}));
  DqsAgent agent(options, kStates, kActions, rl::AgentContext{7});
  const PolicyUpdateTrace& trace = trace_after_updates(agent);
  expect_noised(trace, ve_alpha_beta);
  const double lambda = options.policy.temperature;
  torch::Tensor expected = torch::empty({kBatch, kActions}, f64);
  for (int64_t b = 0; b < kBatch; ++b) {
    const double sigma = ve_alpha_beta(trace.times[b].item<double>()).second;
    const torch::Tensor x0 = trace.posterior_noise_draws[b].to(f64);
    torch::Tensor x1 = (trace.noisy[b].to(f64) - sigma * x0).detach().requires_grad_(true);
    const torch::Tensor q = min_q(agent.critic().online(), trace.states[b], x1);
    const torch::Tensor gradient = torch::autograd::grad({q.sum()}, {x1})[0];
    const torch::Tensor w = torch::softmax(q.detach() / lambda, 0).unsqueeze(1);
    // ∇_x log (1/K) Σ exp(Q(x1_k)/λ) = Σ w ∇Q/λ is the score; as a noise target μ̂0 = −σ · score.
    expected[b] = -sigma * (w * gradient).sum(0) / lambda;
  }
  expect_close(trace.target, expected, 1e-4);
}

TEST(QsmUpdate, NoiseTargetIsTheScaledMeanCriticGradientAtTheNoisyAction) {
  QsmAgent agent(QsmOptions::from_config(small_config("qsm", {})), kStates, kActions,
                 rl::AgentContext{9});
  const PolicyUpdateTrace& trace = trace_after_updates(agent);
  torch::Tensor point = trace.noisy.detach().clone().requires_grad_(true);
  const torch::Tensor q = agent.critic().online().forward(trace.states, point);  // [2, B]
  const torch::Tensor gradient = torch::autograd::grad({((q[0] + q[1]) / 2).sum()}, {point})[0];
  expect_close(trace.target, -50.0 * gradient.to(f64), 1e-5);
}

TEST(QsmPreset, ScheduleAndSamplerNoiseAreThoseOfTheOriginalQsmCode) {
  // Its vp schedule: ᾱ(τ) = exp(−(0.1 τ + ½ (10 − 0.1) τ²)) at diffusion time τ = 1 − t, and
  // sqrt(β_t) noise per ancestral step.
  const QsmOptions options = QsmOptions::from_config(small_config("qsm", {}));
  EXPECT_EQ(options.policy.ancestral_variance, AncestralVariance::forward);
  for (const double t : {0.1, 0.5, 0.9}) {
    const double tau = 1 - t;
    const double expected = std::exp(-0.5 * (0.1 * tau + 0.5 * 9.9 * tau * tau));
    const double alpha = options.policy.schedule.alpha(torch::full({1}, t, f64)).item<double>();
    EXPECT_NEAR(alpha, expected, 1e-12) << t;
  }
}

// The authors' QSM sampler written out: T discrete levels with β_k = 1 − exp(−0.1/T −
// ½ · 9.9 · (2k − 1)/T²), α_k = 1 − β_k, ᾱ_k = Π_{j≤k} α_j; x_T ~ N(0, I); for k = T..1 the network
// sees the level index k − 1, x ← (x − β_k/sqrt(1 − ᾱ_k) ε̂)/sqrt(α_k) + sqrt(β_k) z (no noise at
// k = 1), then x is clipped to [−1, 1]. Training noises replay actions at those levels only.
TEST(QsmPreset, SamplerIsTheOriginalDiscreteChainWithLevelInputsAndPerStepClip) {
  QsmAgent agent(QsmOptions::from_config(small_config("qsm", {})), kStates, kActions,
                 rl::AgentContext{5});
  DiffusionPolicy& policy = agent.policy();
  EXPECT_EQ(policy.options().time_input, TimeInput::level);
  EXPECT_TRUE(policy.options().clip_every_step);
  const int64_t levels = policy.options().steps;  // 4 in small_config
  std::vector<double> betas, alpha_bars;
  double alpha_bar = 1.0;
  for (int64_t k = 1; k <= levels; ++k) {
    const double T = static_cast<double>(levels);
    betas.push_back(1.0 - std::exp(-0.1 / T - 0.5 * 9.9 * (2.0 * k - 1.0) / (T * T)));
    alpha_bar *= 1.0 - betas.back();
    alpha_bars.push_back(alpha_bar);
  }
  // Training: every time is a level t_k = 1 − k/T, the network sees k − 1, and the noised action
  // is sqrt(ᾱ_k) a + sqrt(1 − ᾱ_k) ε.
  const PolicyUpdateTrace& trace = trace_after_updates(agent);
  for (int64_t b = 0; b < kBatch; ++b) {
    const double t = trace.times[b].item<double>();
    const double k = std::round(static_cast<double>(levels) * (1.0 - t));
    ASSERT_GE(k, 1.0);
    ASSERT_LE(k, static_cast<double>(levels));
    EXPECT_NEAR(t, 1.0 - k / static_cast<double>(levels), 1e-6);
    EXPECT_EQ(policy.network_time(t), k - 1.0);
    const double ab = alpha_bars[static_cast<std::size_t>(k) - 1];
    expect_close(
        trace.noisy[b],
        std::sqrt(ab) * trace.clean[b].to(f64) + std::sqrt(1 - ab) * trace.noise[b].to(f64), 1e-5);
  }
  // Sampling: the same random stream through the chain above gives the policy's points.
  const torch::Tensor states = torch::randn({6, kStates});
  at::Generator library_stream = flow::make_generator(77);
  at::Generator independent_stream = flow::make_generator(77);
  const torch::Tensor sampled = policy.sample(states, library_stream);
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::randn({6, kActions}, independent_stream).to(f64);
  const torch::Tensor lambda = torch::full({6}, policy.options().temperature);
  for (int64_t k = levels; k >= 1; --k) {
    const std::size_t i = static_cast<std::size_t>(k) - 1;
    const torch::Tensor eps = policy.network()
                                  ->forward(states, x.to(torch::kFloat32),
                                            torch::full({6}, static_cast<double>(k - 1)), lambda)
                                  .to(f64);
    const torch::Tensor z = torch::randn({6, kActions}, independent_stream).to(f64);
    x = (x - betas[i] / std::sqrt(1 - alpha_bars[i]) * eps) / std::sqrt(1 - betas[i]);
    if (k > 1) x = x + std::sqrt(betas[i]) * z;
    x = x.clamp(-1.0, 1.0);
  }
  expect_close(sampled, x, 1e-4);
}

// MaxEntDP's time condition: the network sees log(ᾱ/(1 − ᾱ)) of the cosine schedule, ᾱ clipped to
// [1e-5, 1 − 1e-5], not t.
TEST(QnePreset, NetworkSeesTheLogSnrOfTheCosineSchedule) {
  QneAgent agent(QneOptions::from_config(small_config("qne", {})), kStates, kActions,
                 rl::AgentContext{5});
  EXPECT_EQ(agent.policy().options().time_input, TimeInput::log_snr);
  for (const double t : {0.0, 0.001, 0.3, 0.5, 0.9, 0.999, 1.0}) {
    const auto [alpha, beta] = cosine_alpha_beta(t);
    const double alpha_bar = std::clamp(alpha * alpha, 1e-5, 1 - 1e-5);
    EXPECT_NEAR(agent.policy().network_time(t), std::log(alpha_bar / (1 - alpha_bar)), 1e-6) << t;
  }
}

TEST(TruncatedNormal, DrawsStayInTheirIntervalsEvenInFarTails) {
  at::Generator generator = at::detail::createCPUGenerator(4);
  const torch::Tensor lower = torch::tensor({-1.0f, 9.0f, -30.0f, 0.5f});
  const torch::Tensor upper = torch::tensor({1.0f, 9.5f, -29.0f, 0.5001f});
  for (int repeat = 0; repeat < 50; ++repeat) {
    const torch::Tensor draw = truncated_standard_normal(lower, upper, generator);
    EXPECT_TRUE(((draw >= lower) & (draw <= upper)).all().item<bool>()) << draw;
  }
  // On [−1, 1] the mean is 0 and the variance 1 − 2 φ(1)/(2Φ(1) − 1) = 0.2911.
  const torch::Tensor many =
      truncated_standard_normal(torch::full({20000}, -1.0), torch::full({20000}, 1.0), generator);
  EXPECT_NEAR(many.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(many.var().item<double>(), 0.2911, 0.01);
}

}  // namespace
}  // namespace rfm::agents
