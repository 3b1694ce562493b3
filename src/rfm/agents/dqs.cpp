#include "rfm/agents/dqs.h"

#include "rfm/agents/agent_state.h"
#include "rfm/rl/config.h"

namespace rfm::agents {

namespace {
enum Statistic { kCriticLoss, kActorLoss, kMeanEss, kMeanQ, kUpdateMs, kCount };
}  // namespace

DqsOptions DqsOptions::from_config(const rl::Config& config) {
  DqsOptions options;
  options.common = CommonUpdateOptions::from_config(config);
  options.policy = DiffusionPolicyOptions::from_config(config, "dqs.temperature");
  options.estimator = flow::EstimatorOptions::parse(config.get_string("dqs.estimator"));
  options.estimator.side = flow::EstimatorSide::noise;
  options.estimator.num_draws = config.get_int("dqs.mc_samples");
  check_estimator_rows(config, "dqs.mc_samples");
  return options;
}

DqsAgent::DqsAgent(const DqsOptions& options, int64_t observation_size, int64_t action_size,
                   const rl::AgentContext& context)
    : DiffusionAgent(options.common, options.policy, observation_size, action_size, context),
      options_(options) {}

const std::vector<rl::StatisticInfo>& DqsAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {
      {"critic_loss"}, {"actor_loss"}, {"mean_ess"}, {"mean_q"}, {"update_ms", true}};
  return names;
}

torch::Tensor DqsAgent::act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) {
  // §4: Euler–Maruyama with noise for data collection; the drift alone for evaluation.
  return policy().to_action(policy().sample(observations, generator, explore ? 1.0 : 0.0));
}

void DqsAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;

  // §4: plain TD, y = r + γ (1 − terminal) min Q̄(s', tanh x'), x' ~ π(s').
  const torch::Tensor next_actions =
      policy().to_action(policy().sample(batch.next_observations, generator_));
  const torch::Tensor td_target =
      critic_.td_target(batch, critic_.target_min_q(batch.next_observations, next_actions));
  const CriticLearner::StepResult critic_step = critic_.regress(states, batch.actions, td_target);

  // §1 VE: t ~ U[0, 1], x_t = a + σ_t ε with the replay action a.
  const auto [times, noise, noisy] = noise_points(batch.actions, 0.0, 1.0);
  // §2, η = 1: μ̂0 = −(σ/λ) Σ_k w_k ∇Q(s, x1_k), x1_k = x − σ x0_k, w = softmax(Q(s, x1_k)/λ)
  // with the online critic; Q is read at x1 itself, as in DQS.
  const auto [draws, posterior] = boltzmann_posterior(states, noisy, times, options_.estimator,
                                                      /*tanh_latent=*/false);
  const torch::Tensor noise_target = posterior.noise_mean.detach();
  // §4: (σ² + floor) ‖s_θ − ŝ‖² with ŝ = −μ̂0/σ (diffusion.score_weight_floor, 1e-3).
  const double actor_loss =
      step_actor(policy().regression_loss(states, noisy, times, noise_target));
  critic_.update_target();

  statistics[kCriticLoss] = critic_step.loss;
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kActorLoss] = actor_loss;
  statistics[kMeanEss] = posterior.ess.mean().item<double>();
  statistics[kUpdateMs] = milliseconds_since(clock);
  if (tracing_) trace_ = {states, batch.actions, times, noise, noisy, draws.noise, noise_target};
}

std::unique_ptr<rl::Agent> make_dqs_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context) {
  return std::make_unique<DqsAgent>(DqsOptions::from_config(config), spec.observation_size,
                                    spec.action_size, context);
}

}  // namespace rfm::agents
