#include "rfm/agents/qne.h"

#include <algorithm>

#include "rfm/agents/agent_state.h"
#include "rfm/agents/particles.h"
#include "rfm/flow/estimators.h"
#include "rfm/flow/source.h"
#include "rfm/flow/target.h"
#include "rfm/rl/config.h"
#include "rfm/util/allocator.h"

namespace rfm::agents {

namespace {
enum Statistic { kCriticLoss, kActorLoss, kMeanEss, kMeanQ, kMeanLogProb, kUpdateMs, kCount };

// §4 QNE: the η = 0 estimator of the noise, x̂0 = Σ_k w_k x0_k.
const flow::EstimatorOptions& noise_side_eta0() {
  static const flow::EstimatorOptions options = [] {
    flow::EstimatorOptions eta0 = flow::EstimatorOptions::parse("eta0");
    eta0.side = flow::EstimatorSide::noise;
    return eta0;
  }();
  return options;
}
}  // namespace

QneOptions QneOptions::from_config(const rl::Config& config) {
  QneOptions options;
  options.common = CommonUpdateOptions::from_config(config);
  options.policy = DiffusionPolicyOptions::from_config(config, "qne.temperature");
  options.candidates = config.get_int("qne.candidates");
  options.soft_backup = config.get_bool("qne.soft_backup");
  options.log_prob_samples = config.get_int("qne.log_prob_samples");
  options.log_prob_steps = config.get_int("qne.log_prob_steps");
  options.eval_candidates = config.get_int("qne.eval_candidates");
  check_estimator_rows(config, "qne.candidates");
  check_estimator_rows(config, "qne.log_prob_samples");
  return options;
}

QneAgent::QneAgent(const QneOptions& options, int64_t observation_size, int64_t action_size,
                   const rl::AgentContext& context)
    : DiffusionAgent(options.common, options.policy, observation_size, action_size, context),
      options_(options) {}

const std::vector<rl::StatisticInfo>& QneAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {{"critic_loss"},   {"actor_loss"},
                                                       {"mean_ess"},      {"mean_q"},
                                                       {"mean_log_prob"}, {"update_ms", true}};
  return names;
}

torch::Tensor truncated_standard_normal(const torch::Tensor& lower, const torch::Tensor& upper,
                                        at::Generator& generator) {
  const auto f64 = torch::kFloat64;
  // Mirror intervals in the upper tail to the lower one, where Φ keeps its relative precision.
  const torch::Tensor mirrored = lower.to(f64) > 0;
  const torch::Tensor low = torch::where(mirrored, -upper.to(f64), lower.to(f64));
  const torch::Tensor high = torch::where(mirrored, -lower.to(f64), upper.to(f64));
  const torch::Tensor cdf_low = torch::special_ndtr(low), cdf_high = torch::special_ndtr(high);
  const torch::Tensor u = torch::rand(low.sizes(), generator, low.options());
  torch::Tensor draw = torch::special_ndtri(cdf_low + (cdf_high - cdf_low) * u);
  // Where the interval's mass underflows, its nearest end stands in (as a clipped normal would).
  draw = torch::where(torch::isfinite(draw), draw, high).clamp_min(low).clamp_max(high);
  return torch::where(mirrored, -draw, draw).to(lower.scalar_type());
}

torch::Tensor QneAgent::act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) {
  if (explore) return policy().to_action(policy().sample(observations, generator));
  // §4: evaluation takes the best of N sampled actions by min Q̄ of the target critic (as the
  // authors' MaxEntDP does).
  torch::NoGradGuard no_grad;
  const int64_t count = options_.eval_candidates;
  const torch::Tensor repeated_states = repeat_rows(observations, count);
  const torch::Tensor candidates = policy().to_action(policy().sample(repeated_states, generator));
  const torch::Tensor q =
      critic_.target().min_q(repeated_states, candidates).view({observations.size(0), count});
  return choose_among_particles(candidates, q, ParticleChoice::arg_max, 1.0, generator);
}

torch::Tensor QneAgent::log_likelihood(const torch::Tensor& states, const torch::Tensor& actions,
                                       at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const flow::Schedule& schedule = options_.policy.schedule;
  const int64_t batch = actions.size(0), dim = actions.size(1);
  const int64_t samples = options_.log_prob_samples, steps = options_.log_prob_steps;
  const double t_min = options_.policy.t_min;
  // The grid t_0 < … < t_T and each step's ELBO weight: the KL between the forward posterior and
  // the model's step, with the same variance σ², is (α′ v/(α β))² ‖ε − ε̂‖²/(2σ²) for the jump
  // variance v = β² − (α/α′)² β′² (primes at t_{j+1}); σ² = v gives α′² v/(2 α² β²) (for VP:
  // (ᾱ′ − ᾱ)/(2 ᾱ (1 − ᾱ)), MaxEntDP's), σ² = v β′²/β² gives α′² v/(2 α² β′²) (½ ΔSNR/SNR).
  const torch::Tensor grid =
      torch::linspace(t_min, 1.0 - t_min, steps + 1, actions.options().dtype(torch::kFloat64));
  const torch::Tensor alpha = schedule.alpha(grid.narrow(0, 0, steps)),
                      beta = schedule.beta(grid.narrow(0, 0, steps));
  const torch::Tensor next_alpha = schedule.alpha(grid.narrow(0, 1, steps)),
                      next_beta = schedule.beta(grid.narrow(0, 1, steps));
  const torch::Tensor jump_variance =
      flow::forward_jump_variance(alpha, beta, next_alpha, next_beta);
  const torch::Tensor step_variance_over_jump =
      options_.policy.ancestral_variance == AncestralVariance::forward ? torch::ones_like(beta)
                                                                       : (next_beta / beta).pow(2);
  const torch::Tensor weights = (next_alpha.pow(2) * jump_variance /
                                 (2 * alpha.pow(2) * beta.pow(2) * step_variance_over_jump))
                                    .to(actions.scalar_type());                    // [T]
  const torch::Tensor times = grid.narrow(0, 0, steps).to(actions.scalar_type());  // [T]
  // Rows ordered (b, sample, step): every action noised S times at each of the T times.
  const int64_t rows_per_action = samples * steps;
  const torch::Tensor row_times = times.repeat({batch * samples});
  const torch::Tensor row_actions = repeat_rows(actions, rows_per_action);
  const torch::Tensor row_states = repeat_rows(states, rows_per_action);
  const torch::Tensor noise =
      torch::randn({batch * rows_per_action, dim}, generator, actions.options());
  const torch::Tensor noisy = schedule.alpha(row_times).unsqueeze(1) * row_actions +
                              schedule.beta(row_times).unsqueeze(1) * noise;
  // ‖ε − ε̂‖² with ε̂ from the clipped data prediction, as the sampler uses it; the network runs
  // on chunks of kRowsPerHeapChunk rows (util/allocator.h: the paper preset's B × 50 × 20 rows
  // would need about 260 MB per activation, mapped and faulted in afresh on every update).
  const int64_t rows = batch * rows_per_action;
  const torch::Tensor squared_error = torch::empty({rows}, actions.options());
  for (int64_t start = 0; start < rows; start += kRowsPerHeapChunk) {
    const int64_t count = std::min(kRowsPerHeapChunk, rows - start);
    const torch::Tensor chunk_states = row_states.narrow(0, start, count);
    const torch::Tensor chunk_noisy = noisy.narrow(0, start, count);
    const torch::Tensor chunk_times = row_times.narrow(0, start, count);
    const torch::Tensor predicted = policy().predict_noise(chunk_states, chunk_noisy, chunk_times);
    const torch::Tensor consistent = schedule.noise_from_data(
        chunk_noisy, policy().predict_data(chunk_noisy, predicted, chunk_times), chunk_times);
    squared_error.narrow(0, start, count)
        .copy_((noise.narrow(0, start, count) - consistent).pow(2).sum(1));
  }
  const torch::Tensor error = squared_error.view({batch, samples, steps}).mean(1);  // [B, T]
  return -(error * weights.unsqueeze(0)).sum(1);
}

void QneAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;
  const int64_t batch_size = states.size(0);
  const flow::Schedule& schedule = options_.policy.schedule;
  const double temperature = options_.policy.temperature;

  // §4: a' ~ π(s'); soft backup y = r + γ (1 − terminal)(min Q̄(s', a') − λ log π(a' | s')).
  const torch::Tensor next_actions =
      policy().to_action(policy().sample(batch.next_observations, generator_));
  torch::Tensor next_value = critic_.target_min_q(batch.next_observations, next_actions);
  if (options_.soft_backup) {
    const torch::Tensor log_prob =
        log_likelihood(batch.next_observations, next_actions, generator_);
    next_value = next_value - temperature * log_prob;
    statistics[kMeanLogProb] = log_prob.mean().item<double>();
  }
  const CriticLearner::StepResult critic_step =
      critic_.regress(states, batch.actions, critic_.td_target(batch, next_value));

  // §4: t ~ U[t_min, 1 − t_min], a_t = α a + β ε with the replay action a.
  const double t_min = options_.policy.t_min;
  const auto [times, noise, noisy] = noise_points(batch.actions, t_min, 1.0 - t_min);
  const torch::Tensor alpha = schedule.alpha(times).unsqueeze(1);
  const torch::Tensor beta = schedule.beta(times).unsqueeze(1);
  // §4: K draws x0_k ~ N(0, I) restricted to the x0 whose clean action x1 = (a_t − β x0)/α lies
  // in [−1, 1]^d, i.e. x0 ∈ [(a_t − α)/β, (a_t + α)/β] per dimension.
  const int64_t candidates = options_.candidates;
  const torch::Tensor lower =
      ((noisy - alpha) / beta).unsqueeze(1).expand({batch_size, candidates, noisy.size(1)});
  const torch::Tensor upper = ((noisy + alpha) / beta).unsqueeze(1).expand_as(lower);
  const torch::Tensor noise_draws = truncated_standard_normal(lower, upper, generator_);
  // §2, η = 0: w = softmax(min Q̄(s, x1_k)/λ) with the target critics (the truncation's mass is
  // the same for every draw of a point and cancels), μ̂0 = Σ_k w_k x0_k.
  const flow::BoltzmannTarget target(
      [this](const torch::Tensor& s, const torch::Tensor& a) {
        torch::NoGradGuard no_grad;
        return critic_.target().min_q(s, a.clamp(-1.0, 1.0));
      },
      temperature, /*tanh_latent=*/false);
  const flow::GaussianSource source;
  const flow::PosteriorDraws draws =
      flow::weigh_posterior_draws(noisy, times, noise_draws, schedule, source, target, states);
  const flow::PosteriorMean posterior =
      flow::posterior_mean(draws, noisy, times, schedule, noise_side_eta0());
  const torch::Tensor noise_target = posterior.noise_mean.detach();
  const double actor_loss =
      step_actor(policy().regression_loss(states, noisy, times, noise_target));
  critic_.update_target();

  statistics[kCriticLoss] = critic_step.loss;
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kActorLoss] = actor_loss;
  statistics[kMeanEss] = posterior.ess.mean().item<double>();
  statistics[kUpdateMs] = milliseconds_since(clock);
  if (tracing_) trace_ = {states, batch.actions, times, noise, noisy, noise_draws, noise_target};
}

std::unique_ptr<rl::Agent> make_qne_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context) {
  return std::make_unique<QneAgent>(QneOptions::from_config(config), spec.observation_size,
                                    spec.action_size, context);
}

}  // namespace rfm::agents
