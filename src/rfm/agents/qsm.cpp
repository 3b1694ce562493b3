#include "rfm/agents/qsm.h"

#include <torch/csrc/autograd/autograd.h>

#include "rfm/agents/agent_state.h"
#include "rfm/rl/config.h"

namespace rfm::agents {

namespace {
enum Statistic { kCriticLoss, kActorLoss, kMeanQ, kMeanAbsQGradient, kUpdateMs, kCount };
}  // namespace

QsmOptions QsmOptions::from_config(const rl::Config& config) {
  QsmOptions options;
  options.common = CommonUpdateOptions::from_config(config);
  options.policy = DiffusionPolicyOptions::from_config(config, "qsm.temperature");
  options.q_grad_scale = config.get_double("qsm.q_grad_scale");
  options.target_action_noise = config.get_double("qsm.target_action_noise");
  options.exploration_noise = config.get_double("qsm.exploration_noise");
  return options;
}

QsmAgent::QsmAgent(const QsmOptions& options, int64_t observation_size, int64_t action_size,
                   const rl::AgentContext& context)
    : DiffusionAgent(options.common, options.policy, observation_size, action_size, context),
      options_(options) {}

const std::vector<rl::StatisticInfo>& QsmAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {
      {"critic_loss"}, {"actor_loss"}, {"mean_q"}, {"mean_abs_q_gradient"}, {"update_ms", true}};
  return names;
}

torch::Tensor QsmAgent::act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) {
  torch::Tensor actions = policy().to_action(policy().sample(observations, generator));
  if (!explore) return actions;
  // §4: Gaussian exploration noise on the sampled action, clipped to the action box.
  return (actions +
          options_.exploration_noise * torch::randn(actions.sizes(), generator, actions.options()))
      .clamp(-1.0, 1.0);
}

void QsmAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;

  // §4: a' ~ π(s') plus target-action noise 0.1, clipped; y = r + γ (1 − terminal) min Q̄(s', a').
  torch::Tensor next_actions =
      policy().to_action(policy().sample(batch.next_observations, generator_));
  next_actions =
      (next_actions + options_.target_action_noise *
                          torch::randn(next_actions.sizes(), generator_, next_actions.options()))
          .clamp(-1.0, 1.0);
  const torch::Tensor td_target =
      critic_.td_target(batch, critic_.target_min_q(batch.next_observations, next_actions));
  const CriticLearner::StepResult critic_step = critic_.regress(states, batch.actions, td_target);

  // §1: t ~ U[t_min, 1 − t_min], a_t = α a + β ε with the replay action a.
  const double t_min = options_.policy.t_min;
  const auto [times, noise, noisy] = noise_points(batch.actions, t_min, 1.0 - t_min);
  // §4: target −M ∇_a Q(s, a_t) at the noisy action, the gradient averaged over both critics.
  torch::Tensor q_gradient;
  {
    const torch::Tensor point = noisy.detach().requires_grad_(true);
    const torch::Tensor mean_q = critic_.online().forward(states, point).mean(0).sum();
    q_gradient = torch::autograd::grad({mean_q}, {point})[0].detach();
  }
  const torch::Tensor noise_target = -options_.q_grad_scale * q_gradient;
  const double actor_loss =
      step_actor(policy().regression_loss(states, noisy, times, noise_target));
  critic_.update_target();

  statistics[kCriticLoss] = critic_step.loss;
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kActorLoss] = actor_loss;
  statistics[kMeanAbsQGradient] = q_gradient.abs().mean().item<double>();
  statistics[kUpdateMs] = milliseconds_since(clock);
  if (tracing_) trace_ = {states, batch.actions, times, noise, noisy, {}, noise_target};
}

std::unique_ptr<rl::Agent> make_qsm_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context) {
  return std::make_unique<QsmAgent>(QsmOptions::from_config(config), spec.observation_size,
                                    spec.action_size, context);
}

}  // namespace rfm::agents
