#include "rfm/agents/actor_critic.h"

#include <torch/optim/adam.h>

#include "rfm/agents/agent_state.h"
#include "rfm/flow/source.h"

namespace rfm::agents {

ActorCriticAgent::ActorCriticAgent(const CommonUpdateOptions& common, const PolicyOptions& policy,
                                   int64_t observation_size, int64_t action_size,
                                   const rl::AgentContext& context)
    : ActorCriticAgent(common, policy, observation_size, action_size, context,
                       initial_weights_generator(context)) {}

ActorCriticAgent::ActorCriticAgent(const CommonUpdateOptions& common, const PolicyOptions& policy,
                                   int64_t observation_size, int64_t action_size,
                                   const rl::AgentContext& context,
                                   const at::Generator& initial_weights)
    : common_(common),
      device_(context.device),
      critic_(observation_size, action_size, common, context.device, initial_weights),
      policy_(make_policy(
          policy, nn::VelocityNetwork(initial_weights, observation_size, action_size,
                                      common.networks.hidden, common.networks.residual_blocks,
                                      common.networks.embedding))),
      generator_(update_generator(context)) {
  policy_->network()->to(device_);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(
      policy_->network()->parameters(), torch::optim::AdamOptions(common.actor_learning_rate));
}

ActorCriticAgent::~ActorCriticAgent() = default;

ActorCriticAgent::NoisedPoints ActorCriticAgent::noise_points(const torch::Tensor& clean,
                                                              const torch::Tensor& times) {
  const flow::Schedule& schedule = policy_->schedule();
  NoisedPoints points;
  points.times = times;
  points.noise = policy_->source().sample(clean.sizes(), generator_, clean.options());
  points.noisy =
      schedule.alpha(times).unsqueeze(1) * clean + schedule.beta(times).unsqueeze(1) * points.noise;
  return points;
}

CriticLearner::BoltzmannPosterior ActorCriticAgent::boltzmann_posterior(
    const torch::Tensor& states, const torch::Tensor& noisy, const torch::Tensor& times,
    const flow::EstimatorOptions& estimator, bool tanh_latent) {
  return critic_.boltzmann_posterior(states, noisy, times, policy_->schedule(), policy_->source(),
                                     policy_->temperature(), estimator, tanh_latent, generator_);
}

double ActorCriticAgent::step_actor(const torch::Tensor& loss) {
  const std::vector<torch::Tensor> actor_parameters = policy_->network()->parameters();
  critic_.online().zero_grad();
  actor_optimizer_->zero_grad();
  loss.backward();
  if (tracing_) {
    trace_.actor_step_actor_gradient = gradient_norm(actor_parameters);
    trace_.actor_step_critic_gradient = gradient_norm(critic_.online().parameters());
  }
  clip_gradient_norm(actor_parameters, common_.grad_norm_clip);
  actor_optimizer_->step();
  return loss.item<double>();
}

void ActorCriticAgent::save(std::ostream& out) {
  torch::serialize::OutputArchive archive;
  write_actor_critic(archive, critic_, *policy_->network(), *actor_optimizer_, generator_);
  archive.save_to(out);
}

void ActorCriticAgent::load(std::istream& in) {
  read_archive(in, device_, [this](torch::serialize::InputArchive& archive) {
    read_actor_critic(archive, critic_, *policy_->network(), *actor_optimizer_, generator_);
  });
}

}  // namespace rfm::agents
