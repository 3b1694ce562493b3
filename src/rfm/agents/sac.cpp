#include "rfm/agents/sac.h"

#include <torch/optim/adam.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <chrono>
#include <cmath>

#include "rfm/agents/agent_state.h"
#include "rfm/flow/source.h"
#include "rfm/rl/config.h"
#include "rfm/util/error.h"

namespace rfm::agents {

namespace {

enum Statistic {
  kCriticLoss,
  kActorLoss,
  kTemperature,
  kEntropy,
  kMeanQ,
  kUpdateMs,
  kStatisticCount
};

// Turns off gradients of `parameters` for its lifetime: the actor step differentiates through the
// critic with respect to the action only.
class FrozenParameters {
 public:
  explicit FrozenParameters(const std::vector<torch::Tensor>& parameters)
      : parameters_(parameters) {
    for (const auto& parameter : parameters_) parameter.requires_grad_(false);
  }
  ~FrozenParameters() {
    for (const auto& parameter : parameters_) parameter.requires_grad_(true);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  const std::vector<torch::Tensor>& parameters_;
};

}  // namespace

SacOptions SacOptions::from_config(const rl::Config& config) {
  SacOptions options;
  options.initial_temperature = config.get_double("sac.initial_temperature");
  options.learn_temperature = config.get_bool("sac.learn_temperature");
  options.temperature_learning_rate = config.get_double("sac.temperature_learning_rate");
  options.target_entropy_per_dimension = config.get_double("sac.target_entropy_per_dimension");
  options.log_std_min = config.get_double("sac.log_std_min");
  options.log_std_max = config.get_double("sac.log_std_max");
  if (options.log_std_min >= options.log_std_max)
    throw Error("sac.log_std_min must be below sac.log_std_max");
  options.common = CommonUpdateOptions::from_config(config);
  return options;
}

SacAgent::SacAgent(const SacOptions& options, int64_t observation_size, int64_t action_size,
                   const rl::AgentContext& context)
    : SacAgent(options, observation_size, action_size, context,
               initial_weights_generator(context)) {}

SacAgent::SacAgent(const SacOptions& options, int64_t observation_size, int64_t action_size,
                   const rl::AgentContext& context, const at::Generator& initial_weights)
    : options_(options),
      device_(context.device),
      target_entropy_(options.target_entropy_per_dimension * static_cast<double>(action_size)),
      critic_(observation_size, action_size, options.common, context.device, initial_weights),
      actor_(initial_weights, observation_size, action_size, options.common.networks.hidden,
             options.common.networks.residual_blocks),
      log_temperature_(
          torch::full({}, std::log(options.initial_temperature), torch::device(context.device))
              .requires_grad_(true)),
      critic_parameters_(critic_.online().parameters()),
      actor_parameters_(actor_->parameters()),
      generator_(update_generator(context)) {
  actor_->to(device_);  // in place: actor_parameters_ keeps pointing at them
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(
      actor_parameters_, torch::optim::AdamOptions(options.common.actor_learning_rate));
  temperature_optimizer_ = std::make_unique<torch::optim::Adam>(
      std::vector<torch::Tensor>{log_temperature_},
      torch::optim::AdamOptions(options.temperature_learning_rate));
}

SacAgent::~SacAgent() = default;

const std::vector<rl::StatisticInfo>& SacAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {{"critic_loss"}, {"actor_loss"},
                                                       {"temperature"}, {"entropy"},
                                                       {"mean_q"},      {"update_ms", true}};
  return names;
}

SquashedGaussianDraws SacAgent::sample(const torch::Tensor& states, at::Generator& generator) {
  const auto [mean, raw_log_std] = actor_->forward(states);
  // §4: log σ clamped to [log_std_min, log_std_max]; u = μ + σ ε, a = tanh(u).
  const torch::Tensor log_std = raw_log_std.clamp(options_.log_std_min, options_.log_std_max);
  SquashedGaussianDraws draws;
  draws.noise = torch::randn(mean.sizes(), generator, mean.options());
  const torch::Tensor latents = mean + log_std.exp() * draws.noise;
  draws.actions = torch::tanh(latents);
  // §4: log π(a|s) = Σ_i [log N(u_i; μ_i, σ_i) − log(1 − tanh² u_i)], with the correction
  // log(1 − tanh² u) written as 2 (log 2 − u − softplus(−2u)), finite where tanh saturates.
  const double half_log_two_pi = 0.5 * std::log(2.0 * M_PI);
  const torch::Tensor log_gaussian = -0.5 * draws.noise.pow(2) - log_std - half_log_two_pi;
  const torch::Tensor log_tanh_jacobian =
      2.0 * (std::log(2.0) - latents - torch::softplus(-2.0 * latents));
  draws.log_probs = (log_gaussian - log_tanh_jacobian).sum(1);
  return draws;
}

torch::Tensor SacAgent::act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) {
  torch::NoGradGuard no_grad;
  // §4: a draw of the tanh-Gaussian for data collection, tanh of its mean μ for evaluation.
  if (explore) return sample(observations, generator).actions;
  return torch::tanh(actor_->forward(observations).first);
}

void SacAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kStatisticCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;
  const double temperature = this->temperature();

  // §4 soft Q backup with the actor before its step: a' ~ π(s'),
  // y = r + γ (1 − terminal) (min(Q̄1, Q̄2)(s', a') − α log π(a'|s')).
  SquashedGaussianDraws next;
  {
    torch::NoGradGuard no_grad;
    next = sample(batch.next_observations, generator_);
  }
  const torch::Tensor td_target =
      critic_.td_target(batch, critic_.target_min_q(batch.next_observations, next.actions) -
                                   temperature * next.log_probs);
  // §4 critic: the mean of both members' squared TD errors (as §3 step 2). The actor's gradients
  // of the last update are cleared first, so that any found after this step are its own.
  actor_optimizer_->zero_grad();
  const CriticLearner::StepResult critic_step = critic_.regress(states, batch.actions, td_target);
  if (tracing_) {
    trace_.critic_step_critic_gradient = gradient_norm(critic_parameters_);
    trace_.critic_step_actor_gradient = gradient_norm(actor_parameters_);
  }

  // §4 actor: a ~ π(s) reparameterised, loss mean(α log π(a|s) − min(Q1, Q2)(s, a)) with the
  // updated online critic, whose parameters get no gradient.
  SquashedGaussianDraws current;
  torch::Tensor actor_loss;
  // The critic step's gradients are spent: drop them so that any found below are the actor step's.
  for (auto& parameter : critic_parameters_) parameter.mutable_grad().reset();
  {
    const FrozenParameters frozen_critic(critic_parameters_);
    current = sample(states, generator_);
    actor_loss =
        (temperature * current.log_probs - critic_.online().min_q(states, current.actions)).mean();
    actor_loss.backward();
  }
  if (tracing_) {
    trace_.actor_step_actor_gradient = gradient_norm(actor_parameters_);
    trace_.actor_step_critic_gradient = gradient_norm(critic_parameters_);
  }
  clip_gradient_norm(actor_parameters_, options_.common.grad_norm_clip);
  actor_optimizer_->step();

  // §4 temperature, as the RFM authors' SAC: loss mean(α (−log π(a|s) − target entropy)) with
  // α = exp(log α) and log π fixed, its gradient taken in log α, so that α grows while the policy's
  // entropy is below the target and shrinks while above.
  const torch::Tensor log_probs = current.log_probs.detach();
  if (options_.learn_temperature) {
    const torch::Tensor temperature_loss =
        (log_temperature_.exp() * -(log_probs + target_entropy_)).mean();
    temperature_optimizer_->zero_grad();
    temperature_loss.backward();
    if (tracing_) {
      trace_.actor_step_temperature_gradient = gradient_norm({log_temperature_});
      trace_.temperature_loss = temperature_loss.item<double>();
    }
    temperature_optimizer_->step();
  }

  // §4 (as §3 step 5): Polyak target update.
  critic_.update_target();

  statistics[kCriticLoss] = critic_step.loss;
  statistics[kActorLoss] = actor_loss.item<double>();
  statistics[kTemperature] = temperature;
  statistics[kEntropy] = -log_probs.mean().item<double>();
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kUpdateMs] = milliseconds_since(clock);

  if (tracing_) {
    trace_.next_noise = next.noise;
    trace_.next_actions = next.actions;
    trace_.next_log_probs = next.log_probs;
    trace_.td_target = td_target;
    trace_.noise = current.noise;
    trace_.actions = current.actions.detach();
    trace_.log_probs = log_probs;
    trace_.temperature = temperature;
    trace_.actor_loss = statistics[kActorLoss];
  }
}

void SacAgent::save(std::ostream& out) {
  torch::serialize::OutputArchive archive;
  write_actor_critic(archive, critic_, *actor_, *actor_optimizer_, generator_);
  archive.write("log_temperature", log_temperature_);
  write_optimizer(archive, "temperature_optimizer", *temperature_optimizer_);
  archive.save_to(out);
}

void SacAgent::load(std::istream& in) {
  read_archive(in, device_, [this](torch::serialize::InputArchive& archive) {
    read_actor_critic(archive, critic_, *actor_, *actor_optimizer_, generator_);
    archive.read("log_temperature", log_temperature_);
    read_optimizer(archive, "temperature_optimizer", *temperature_optimizer_);
  });
}

std::unique_ptr<rl::Agent> make_sac_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context) {
  return std::make_unique<SacAgent>(SacOptions::from_config(config), spec.observation_size,
                                    spec.action_size, context);
}

}  // namespace rfm::agents
