#include "rfm/agents/rfm.h"

#include <torch/optim/adam.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <chrono>
#include <functional>

#include "rfm/agents/agent_state.h"
#include "rfm/flow/source.h"
#include "rfm/rl/config.h"
#include "rfm/util/error.h"

namespace rfm::agents {

namespace {

enum Statistic {
  kCriticLoss,
  kActorLoss,
  kMeanEss,
  kMeanAbsCoefficient,
  kMeanQ,
  kSampleMs,
  kCriticMs,
  kPosteriorMs,
  kActorMs,
  kStatisticCount
};

}  // namespace

flow::EstimatorOptions estimator_options_from_config(const rl::Config& config) {
  flow::EstimatorOptions options =
      flow::EstimatorOptions::parse(config.get_string("rfm.estimator"));
  options.side = flow::parse_estimator_side(config.get_string("rfm.estimator_side"));
  options.num_draws = config.get_int("rfm.mc_samples");
  options.ridge = config.get_double("rfm.ridge");
  options.clip = config.get_double("rfm.coefficient_clip");
  return options;
}

ProposalSource proposal_from_config(const rl::Config& config) {
  const std::string& proposal = config.get_string("rfm.proposal");
  if (proposal == "on-policy") return ProposalSource::on_policy;
  if (proposal == "replay") return ProposalSource::replay;
  throw Error("rfm.proposal: unknown value '" + proposal + "' (valid: on-policy, replay)");
}

RfmOptions RfmOptions::from_config(const rl::Config& config) {
  RfmOptions options;
  options.policy.temperature = config.get_double("rfm.temperature");
  options.policy.particles = config.get_int("rfm.particles");
  options.policy.ode_steps = config.get_int("rfm.ode_steps");
  options.policy.ode_method = flow::parse_ode_method(config.get_string("rfm.ode_method"));
  options.policy.t_min = config.get_double("rfm.t_min");
  options.estimator = estimator_options_from_config(config);
  options.proposal = proposal_from_config(config);
  check_estimator_rows(config, "rfm.mc_samples");
  options.common = CommonUpdateOptions::from_config(config);
  return options;
}

RfmAgent::RfmAgent(const RfmOptions& options, int64_t observation_size, int64_t action_size,
                   std::uint64_t seed)
    : options_(after_initialisation_prepared(options, seed)),
      critic_(observation_size, action_size, options.common),
      policy_(nn::VelocityNetwork(observation_size, action_size), options.policy),
      generator_(flow::make_generator(seed, options.common.device)) {
  policy_.network()->to(options.common.device);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(
      policy_.network()->parameters(),
      torch::optim::AdamOptions(options.common.actor_learning_rate));
}

RfmAgent::~RfmAgent() = default;

const std::vector<rl::StatisticInfo>& RfmAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {
      {"critic_loss"},   {"actor_loss"},      {"mean_ess"},        {"mean_abs_coefficient"},
      {"mean_q"},        {"sample_ms", true}, {"critic_ms", true}, {"posterior_ms", true},
      {"actor_ms", true}};
  return names;
}

torch::Tensor RfmAgent::act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) {
  // §3: Boltzmann choice among P particles for data collection, arg-max Q for evaluation.
  const torch::Tensor latents = policy_.choose_latents(
      observations, critic_.online(), explore ? ParticleChoice::boltzmann : ParticleChoice::arg_max,
      generator);
  return torch::tanh(latents);
}

void RfmAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kStatisticCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;
  const int64_t batch_size = states.size(0);
  auto critic_parameters = critic_.online().parameters();
  auto actor_parameters = policy_.network()->parameters();

  // §3 step 1: with the critic before the update, a' ~ π(s') and the proposal u1 ~ π(s), one
  // batched pass over [s; s'] (P particles each, Boltzmann-resampled).
  torch::Tensor next_latents, proposal_latents;
  if (options_.proposal == ProposalSource::on_policy) {
    const torch::Tensor latents =
        policy_.choose_latents(torch::cat({states, batch.next_observations}), critic_.online(),
                               ParticleChoice::boltzmann, generator_);
    proposal_latents = latents.narrow(0, 0, batch_size);
    next_latents = latents.narrow(0, batch_size, batch_size);
  } else {
    next_latents = policy_.choose_latents(batch.next_observations, critic_.online(),
                                          ParticleChoice::boltzmann, generator_);
    // The replay action's latent, atanh(a), kept finite at the bounds.
    proposal_latents = torch::atanh(batch.actions.clamp(-1.0 + 1e-6, 1.0 - 1e-6));
  }
  statistics[kSampleMs] = milliseconds_since(clock);

  // §3 step 2: y = r + γ (1 − terminal) min(Q̄1, Q̄2)(s', a'); loss the mean of both MSEs.
  const torch::Tensor td_target = critic_.td_target(
      batch, critic_.target_min_q(batch.next_observations, torch::tanh(next_latents)));
  actor_optimizer_->zero_grad();
  std::function<void()> trace_gradients;
  if (tracing_)
    trace_gradients = [&] {
      trace_.critic_step_critic_gradient = gradient_norm(critic_parameters);
      trace_.critic_step_actor_gradient = gradient_norm(actor_parameters);
    };
  const CriticLearner::StepResult critic_step =
      critic_.regress(states, batch.actions, td_target, trace_gradients);
  statistics[kCriticLoss] = critic_step.loss;
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kCriticMs] = milliseconds_since(clock);

  // §3 step 3: t ~ U[t_min, 1 − t_min] (rfm.t_min, as the ODE's range), ε ~ N(0, I),
  // u_t = t u1 + (1 − t) ε.
  const double t_min = options_.policy.t_min;
  const torch::Tensor times =
      torch::empty({batch_size}, states.options()).uniform_(t_min, 1.0 - t_min, generator_);
  const torch::Tensor noise = torch::randn(proposal_latents.sizes(), generator_, states.options());
  const torch::Tensor noisy_latents =
      times.unsqueeze(1) * proposal_latents + (1.0 - times.unsqueeze(1)) * noise;
  // §3 step 3: posterior of the Boltzmann policy under the updated online critic, in the latent.
  const auto [draws, posterior] = critic_.boltzmann_posterior(
      states, noisy_latents, times, flow::Schedule::flow(), options_.policy.temperature,
      options_.estimator, /*tanh_latent=*/true, generator_);
  // §1 flow schedule: v̂ = μ̂1 − μ̂0, a constant target (no gradient).
  const torch::Tensor velocity_target = (posterior.data_mean - posterior.noise_mean).detach();
  statistics[kMeanEss] = posterior.ess.mean().item<double>();
  statistics[kMeanAbsCoefficient] = posterior.coefficients.abs().mean().item<double>();
  statistics[kPosteriorMs] = milliseconds_since(clock);

  // §3 step 4: actor loss (v_θ(t, u_t, s, λ) − v̂)², the mean over batch and action dimensions as
  // in the authors' code (a sum over dimensions would scale the gradient against the clip by |A|).
  const torch::Tensor velocity = policy_.network()->forward(
      states, noisy_latents, times,
      torch::full({batch_size}, options_.policy.temperature, states.options()));
  const torch::Tensor actor_loss = (velocity - velocity_target).pow(2).mean();
  critic_.online().zero_grad();
  actor_optimizer_->zero_grad();
  actor_loss.backward();
  if (tracing_) {
    trace_.actor_step_actor_gradient = gradient_norm(actor_parameters);
    trace_.actor_step_critic_gradient = gradient_norm(critic_parameters);
  }
  clip_gradient_norm(actor_parameters, options_.common.grad_norm_clip);
  actor_optimizer_->step();
  statistics[kActorLoss] = actor_loss.item<double>();

  // §3 step 5: Polyak target update.
  critic_.update_target();
  statistics[kActorMs] = milliseconds_since(clock);

  if (tracing_) {
    trace_.states = states;
    trace_.proposal_latents = proposal_latents;
    trace_.times = times;
    trace_.noise = noise;
    trace_.noisy_latents = noisy_latents;
    trace_.posterior_noise_draws = draws.noise;
    trace_.velocity_target = velocity_target;
  }
}

void RfmAgent::save(std::ostream& out) {
  torch::serialize::OutputArchive archive;
  write_actor_critic(archive, critic_, *policy_.network(), *actor_optimizer_, generator_);
  archive.save_to(out);
}

void RfmAgent::load(std::istream& in) {
  read_archive(in, options_.common.device, [this](torch::serialize::InputArchive& archive) {
    read_actor_critic(archive, critic_, *policy_.network(), *actor_optimizer_, generator_);
  });
}

std::unique_ptr<rl::Agent> make_rfm_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          std::uint64_t seed) {
  return std::make_unique<RfmAgent>(RfmOptions::from_config(config), spec.observation_size,
                                    spec.action_size, seed);
}

}  // namespace rfm::agents
