#include "rfm/agents/critic_learner.h"

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>

#include "rfm/agents/agent_state.h"
#include "rfm/flow/source.h"
#include "rfm/flow/target.h"
#include "rfm/rl/config.h"
#include "rfm/util/allocator.h"

namespace rfm::agents {

CommonUpdateOptions CommonUpdateOptions::from_config(const rl::Config& config) {
  CommonUpdateOptions options;
  options.discount = config.get_double("trainer.discount");
  options.polyak_tau = config.get_double("trainer.polyak_tau");
  options.critic_learning_rate = config.get_double("trainer.critic_learning_rate");
  options.actor_learning_rate = config.get_double("trainer.actor_learning_rate");
  options.grad_norm_clip = config.get_double("trainer.grad_norm_clip");
  const auto size = [&config](const char* key, int64_t& value) {
    if (config.has(key)) value = config.get_int(key);
  };
  size("network.hidden", options.networks.hidden);
  size("network.residual_blocks", options.networks.residual_blocks);
  size("network.embedding", options.networks.embedding);
  size("network.critic_hidden", options.networks.critic_hidden);
  size("network.critic_layers", options.networks.critic_layers);
  return options;
}

void check_estimator_rows(const rl::Config& config, const std::string& samples_key) {
  config.check_product("trainer.batch_size", samples_key, rl::kMaxRowsPerEvaluation,
                       "rows per update");
}

void clip_gradient_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  if (max_norm > 0) torch::nn::utils::clip_grad_norm_(parameters, max_norm);
}

CriticLearner::CriticLearner(int64_t observation_size, int64_t action_size,
                             const CommonUpdateOptions& options, c10::Device device,
                             const at::Generator& initial_weights)
    : options_(options),
      online_(initial_weights, observation_size, action_size, /*members=*/2,
              options.networks.critic_hidden, options.networks.critic_layers),
      // Its own draws are overwritten by the copy below.
      target_(initial_weights, observation_size, action_size, /*members=*/2,
              options.networks.critic_hidden, options.networks.critic_layers) {
  // Every update frees and reallocates the same large tensors: keep them in the heap.
  keep_freed_memory_in_heap();
  online_->to(device);
  target_->to(device);
  target_->polyak_update_from(*online_, 1.0);
  for (auto& parameter : target_->parameters()) parameter.requires_grad_(false);
  optimizer_ = std::make_unique<torch::optim::Adam>(
      online_->parameters(), torch::optim::AdamOptions(options.critic_learning_rate));
}

CriticLearner::~CriticLearner() = default;

torch::Tensor CriticLearner::td_target(const rl::TransitionBatch& batch,
                                       const torch::Tensor& next_value) const {
  torch::NoGradGuard no_grad;
  return batch.rewards + options_.discount * (1.0 - batch.terminals) * next_value;
}

torch::Tensor CriticLearner::target_min_q(const torch::Tensor& states,
                                          const torch::Tensor& actions) {
  torch::NoGradGuard no_grad;
  return target_->min_q(states, actions);
}

CriticLearner::StepResult CriticLearner::regress(const torch::Tensor& states,
                                                 const torch::Tensor& actions,
                                                 const torch::Tensor& td_target,
                                                 const std::function<void()>& after_backward) {
  const torch::Tensor q = online_->forward(states, actions);  // [E, B]
  const torch::Tensor loss = (q - td_target.detach().unsqueeze(0)).pow(2).mean();
  optimizer_->zero_grad();
  loss.backward();
  if (after_backward) after_backward();
  clip_gradient_norm(online_->parameters(), options_.grad_norm_clip);
  optimizer_->step();
  return {loss.item<double>(), q.mean().item<double>()};
}

void CriticLearner::update_target() {
  target_->polyak_update_from(*online_, options_.polyak_tau);
}

CriticLearner::BoltzmannPosterior CriticLearner::boltzmann_posterior(
    const torch::Tensor& states, const torch::Tensor& noisy, const torch::Tensor& times,
    const flow::Schedule& schedule, const flow::Source& source, double temperature,
    const flow::EstimatorOptions& estimator, bool tanh_latent, at::Generator& generator) {
  const flow::BoltzmannTarget target(
      [this](const torch::Tensor& s, const torch::Tensor& a) { return online_->min_q(s, a); },
      temperature, tanh_latent);
  BoltzmannPosterior posterior;
  posterior.draws = flow::draw_posterior(noisy, times, estimator.num_draws, schedule, source,
                                         target, states, generator);
  posterior.mean = flow::posterior_mean(posterior.draws, noisy, times, schedule, estimator);
  return posterior;
}

void CriticLearner::write(torch::serialize::OutputArchive& archive) const {
  write_module(archive, "critic", *online_);
  write_module(archive, "target_critic", *target_);
  write_optimizer(archive, "critic_optimizer", *optimizer_);
}

void CriticLearner::read(torch::serialize::InputArchive& archive) {
  read_module(archive, "critic", *online_);
  read_module(archive, "target_critic", *target_);
  read_optimizer(archive, "critic_optimizer", *optimizer_);
}

void write_actor_critic(torch::serialize::OutputArchive& archive, const CriticLearner& critic,
                        const torch::nn::Module& actor, const torch::optim::Optimizer& optimizer,
                        const at::Generator& generator) {
  critic.write(archive);
  write_module(archive, "actor", actor);
  write_optimizer(archive, "actor_optimizer", optimizer);
  write_generator(archive, "generator", generator);
}

void read_actor_critic(torch::serialize::InputArchive& archive, CriticLearner& critic,
                       torch::nn::Module& actor, torch::optim::Optimizer& optimizer,
                       at::Generator& generator) {
  critic.read(archive);
  read_module(archive, "actor", actor);
  read_optimizer(archive, "actor_optimizer", optimizer);
  read_generator(archive, "generator", generator);
}

}  // namespace rfm::agents
