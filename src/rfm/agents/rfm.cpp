#include "rfm/agents/rfm.h"

#include <chrono>
#include <functional>

#include "rfm/agents/agent_state.h"
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

ProposalSource proposal_from_config(const rl::Config& config) {
  const std::string& proposal = config.get_string("rfm.proposal");
  if (proposal == "on-policy") return ProposalSource::on_policy;
  if (proposal == "replay") return ProposalSource::replay;
  throw Error("rfm.proposal: unknown value '" + proposal + "' (valid: on-policy, replay)");
}

PolicyOptions policy_options_from_config(const rl::Config& config) {
  if (!config.has("diffusion.schedule")) return FlowPolicyOptions::from_config(config);
  DiffusionPolicyOptions policy = DiffusionPolicyOptions::from_config(config, "rfm.temperature");
  if (policy.action_map != ActionMap::tanh)
    throw Error(
        "diffusion.action_map must be 'tanh' for RFM: its Boltzmann target lives in the "
        "unbounded latent (docs/algorithms.md §2, bounded actions)");
  return policy;
}

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

RfmOptions RfmOptions::from_config(const rl::Config& config) {
  RfmOptions options;
  options.policy = policy_options_from_config(config);
  options.particles = config.get_int("rfm.particles");
  options.estimator = estimator_options_from_config(config);
  options.proposal = proposal_from_config(config);
  check_estimator_rows(config, "rfm.mc_samples");
  options.common = CommonUpdateOptions::from_config(config);
  return options;
}

RfmAgent::RfmAgent(const RfmOptions& options, int64_t observation_size, int64_t action_size,
                   const rl::AgentContext& context)
    : ActorCriticAgent(options.common, options.policy, observation_size, action_size, context),
      options_(options) {
  if (options_.particles < 1) throw Error("rfm.particles must be at least 1");
  try {
    flow::check_mean_estimator(policy_->source(), options_.estimator);
  } catch (const Error& error) {
    throw Error(std::string("rfm.source and rfm.estimator: ") + error.what());
  }
}

const std::vector<rl::StatisticInfo>& RfmAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {
      {"critic_loss"},   {"actor_loss"},      {"mean_ess"},        {"mean_abs_coefficient"},
      {"mean_q"},        {"sample_ms", true}, {"critic_ms", true}, {"posterior_ms", true},
      {"actor_ms", true}};
  return names;
}

torch::Tensor RfmAgent::choose_latents(const torch::Tensor& states, ParticleChoice choice,
                                       at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const int64_t particles = options_.particles;
  const torch::Tensor repeated_states = repeat_rows(states, particles);
  const torch::Tensor latents = policy_->sample(repeated_states, generator);  // [N·P, d]
  if (particles == 1) return latents;
  // §3: Q = min(Q1, Q2) of the online critic at every particle's action.
  const torch::Tensor q = critic_.online()
                              .min_q(repeated_states, policy_->to_action(latents))
                              .view({states.size(0), particles});
  return choose_among_particles(latents, q, choice, policy_->temperature(), generator);
}

torch::Tensor RfmAgent::act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) {
  // §3: Boltzmann choice among P particles for data collection, arg-max Q for evaluation.
  return policy_->to_action(choose_latents(
      observations, explore ? ParticleChoice::boltzmann : ParticleChoice::arg_max, generator));
}

void RfmAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kStatisticCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;
  const int64_t batch_size = states.size(0);

  // §3 step 1: with the critic before the update, a' ~ π(s') and the proposal u1 ~ π(s), one
  // batched pass over [s; s'] (P particles each, Boltzmann-resampled).
  torch::Tensor next_latents, proposal_latents;
  if (options_.proposal == ProposalSource::on_policy) {
    const torch::Tensor latents = choose_latents(torch::cat({states, batch.next_observations}),
                                                 ParticleChoice::boltzmann, generator_);
    proposal_latents = latents.narrow(0, 0, batch_size);
    next_latents = latents.narrow(0, batch_size, batch_size);
  } else {
    next_latents = choose_latents(batch.next_observations, ParticleChoice::boltzmann, generator_);
    // The replay action's latent, atanh(a), kept finite at the bounds.
    proposal_latents = torch::atanh(batch.actions.clamp(-1.0 + 1e-6, 1.0 - 1e-6));
  }
  statistics[kSampleMs] = milliseconds_since(clock);

  // §3 step 2: y = r + γ (1 − terminal) min(Q̄1, Q̄2)(s', a'); loss the mean of both MSEs.
  const torch::Tensor td_target = critic_.td_target(
      batch, critic_.target_min_q(batch.next_observations, policy_->to_action(next_latents)));
  actor_optimizer_->zero_grad();
  std::function<void()> trace_gradients;
  if (tracing_)
    trace_gradients = [this] {
      trace_.critic_step_critic_gradient = gradient_norm(critic_.online().parameters());
      trace_.critic_step_actor_gradient = gradient_norm(policy_->network()->parameters());
    };
  const CriticLearner::StepResult critic_step =
      critic_.regress(states, batch.actions, td_target, trace_gradients);
  statistics[kCriticLoss] = critic_step.loss;
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kCriticMs] = milliseconds_since(clock);

  // §3 step 3 (§1): t over the policy's range, ε from the policy's source (N(0, I) by default),
  // u_t = α_t u1 + β_t ε (for the flow policy t u1 + (1 − t) ε).
  const auto [times, noise, noisy] = noise_points(
      proposal_latents,
      policy_->draw_training_times(batch_size, proposal_latents.options(), generator_));
  // §3 step 3: the posterior of the Boltzmann policy under the updated online critic, in the
  // latent; the policy's target from it (flow: v̂ = μ̂1 − μ̂0; diffusion: μ̂0), no gradient.
  const auto [draws, posterior] =
      boltzmann_posterior(states, noisy, times, options_.estimator, /*tanh_latent=*/true);
  const torch::Tensor target = policy_->regression_target(posterior);
  statistics[kMeanEss] = posterior.ess.mean().item<double>();
  statistics[kMeanAbsCoefficient] = posterior.coefficients.abs().mean().item<double>();
  statistics[kPosteriorMs] = milliseconds_since(clock);

  // §3 step 4: regress the policy's network onto the target (Policy::regression_loss).
  statistics[kActorLoss] = step_actor(policy_->regression_loss(states, noisy, times, target));

  // §3 step 5: Polyak target update.
  critic_.update_target();
  statistics[kActorMs] = milliseconds_since(clock);

  if (tracing_) {
    trace_.states = states;
    trace_.clean = proposal_latents;
    trace_.times = times;
    trace_.noise = noise;
    trace_.noisy = noisy;
    trace_.posterior_noise_draws = draws.noise;
    trace_.target = target;
  }
}

std::unique_ptr<rl::Agent> make_rfm_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context) {
  return std::make_unique<RfmAgent>(RfmOptions::from_config(config), spec.observation_size,
                                    spec.action_size, context);
}

}  // namespace rfm::agents
