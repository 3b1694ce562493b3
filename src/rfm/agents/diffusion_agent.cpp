#include "rfm/agents/diffusion_agent.h"

#include <torch/optim/adam.h>

#include "rfm/agents/agent_state.h"
#include "rfm/flow/source.h"

namespace rfm::agents {

DiffusionAgent::DiffusionAgent(const CommonUpdateOptions& common,
                               const DiffusionPolicyOptions& policy, int64_t observation_size,
                               int64_t action_size, std::uint64_t seed)
    : common_(common),
      critic_(after_initialisation_prepared(observation_size, seed), action_size, common),
      policy_(nn::VelocityNetwork(observation_size, action_size), policy),
      generator_(flow::make_generator(seed, common.device)) {
  policy_.network()->to(common.device);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(
      policy_.network()->parameters(), torch::optim::AdamOptions(common.actor_learning_rate));
}

DiffusionAgent::~DiffusionAgent() = default;

double DiffusionAgent::step_actor(const torch::Tensor& loss) {
  actor_optimizer_->zero_grad();
  loss.backward();
  clip_gradient_norm(policy_.network()->parameters(), common_.grad_norm_clip);
  actor_optimizer_->step();
  return loss.item<double>();
}

DiffusionAgent::NoisedPoints DiffusionAgent::noise_points(const torch::Tensor& clean, double t_low,
                                                          double t_high) {
  const flow::Schedule& schedule = policy_.options().schedule;
  NoisedPoints points;
  points.times =
      policy_.draw_training_times(clean.size(0), t_low, t_high, clean.options(), generator_);
  points.noise = torch::randn(clean.sizes(), generator_, clean.options());
  points.noisy = schedule.alpha(points.times).unsqueeze(1) * clean +
                 schedule.beta(points.times).unsqueeze(1) * points.noise;
  return points;
}

CriticLearner::BoltzmannPosterior DiffusionAgent::boltzmann_posterior(
    const torch::Tensor& states, const torch::Tensor& noisy, const torch::Tensor& times,
    const flow::EstimatorOptions& estimator, bool tanh_latent) {
  const DiffusionPolicyOptions& options = policy_.options();
  return critic_.boltzmann_posterior(states, noisy, times, options.schedule, options.temperature,
                                     estimator, tanh_latent, generator_);
}

void DiffusionAgent::save(std::ostream& out) {
  torch::serialize::OutputArchive archive;
  write_actor_critic(archive, critic_, *policy_.network(), *actor_optimizer_, generator_);
  archive.save_to(out);
}

void DiffusionAgent::load(std::istream& in) {
  read_archive(in, common_.device, [this](torch::serialize::InputArchive& archive) {
    read_actor_critic(archive, critic_, *policy_.network(), *actor_optimizer_, generator_);
  });
}

}  // namespace rfm::agents
