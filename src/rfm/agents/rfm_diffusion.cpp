#include "rfm/agents/rfm_diffusion.h"

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
  kUpdateMs,
  kCount
};
}  // namespace

RfmDiffusionOptions RfmDiffusionOptions::from_config(const rl::Config& config) {
  RfmDiffusionOptions options;
  options.common = CommonUpdateOptions::from_config(config);
  options.policy = DiffusionPolicyOptions::from_config(config, "rfm.temperature");
  if (options.policy.action_map != ActionMap::tanh)
    throw Error(
        "diffusion.action_map must be 'tanh' for RFM: its Boltzmann target lives in the "
        "unbounded latent (docs/algorithms.md §2, bounded actions)");
  options.estimator = estimator_options_from_config(config);
  options.proposal = proposal_from_config(config);
  options.particles = config.get_int("rfm.particles");
  check_estimator_rows(config, "rfm.mc_samples");
  return options;
}

RfmDiffusionAgent::RfmDiffusionAgent(const RfmDiffusionOptions& options, int64_t observation_size,
                                     int64_t action_size, std::uint64_t seed)
    : DiffusionAgent(options.common, options.policy, observation_size, action_size, seed),
      options_(options) {}

const std::vector<rl::StatisticInfo>& RfmDiffusionAgent::statistics() const {
  static const std::vector<rl::StatisticInfo> names = {{"critic_loss"}, {"actor_loss"},
                                                       {"mean_ess"},    {"mean_abs_coefficient"},
                                                       {"mean_q"},      {"update_ms", true}};
  return names;
}

torch::Tensor RfmDiffusionAgent::choose_latents(const torch::Tensor& states, ParticleChoice choice,
                                                at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const torch::Tensor repeated_states = repeat_rows(states, options_.particles);
  const torch::Tensor latents = policy_.sample(repeated_states, generator);
  const torch::Tensor q = critic_.online()
                              .min_q(repeated_states, policy_.to_action(latents))
                              .view({states.size(0), options_.particles});
  return choose_among_particles(latents, q, choice, options_.policy.temperature, generator);
}

torch::Tensor RfmDiffusionAgent::act(const torch::Tensor& observations, bool explore,
                                     at::Generator& generator) {
  // §3: Boltzmann choice among P particles for data collection, arg-max Q for evaluation.
  return policy_.to_action(choose_latents(
      observations, explore ? ParticleChoice::boltzmann : ParticleChoice::arg_max, generator));
}

void RfmDiffusionAgent::update(const rl::TransitionBatch& batch, std::vector<double>& statistics) {
  statistics.assign(kCount, 0.0);
  auto clock = std::chrono::steady_clock::now();
  const torch::Tensor& states = batch.observations;
  const int64_t batch_size = states.size(0);

  // §3 step 1: with the critic before the update, a' ~ π(s') and the proposal x1 ~ π(s).
  torch::Tensor next_latents, proposal_latents;
  if (options_.proposal == ProposalSource::on_policy) {
    const torch::Tensor latents = choose_latents(torch::cat({states, batch.next_observations}),
                                                 ParticleChoice::boltzmann, generator_);
    proposal_latents = latents.narrow(0, 0, batch_size);
    next_latents = latents.narrow(0, batch_size, batch_size);
  } else {
    next_latents = choose_latents(batch.next_observations, ParticleChoice::boltzmann, generator_);
    proposal_latents = torch::atanh(batch.actions.clamp(-1.0 + 1e-6, 1.0 - 1e-6));
  }

  // §3 step 2: y = r + γ (1 − terminal) min(Q̄1, Q̄2)(s', a').
  const torch::Tensor td_target = critic_.td_target(
      batch, critic_.target_min_q(batch.next_observations, policy_.to_action(next_latents)));
  const CriticLearner::StepResult critic_step = critic_.regress(states, batch.actions, td_target);

  // §1: t ~ U[t_min, 1 − t_min], ε ~ N(0, I), x_t = α x1 + β ε.
  const double t_min = options_.policy.t_min;
  const auto [times, noise, noisy] = noise_points(proposal_latents, t_min, 1.0 - t_min);
  // §2: the posterior of the Boltzmann policy under the updated online critic, in the latent.
  const auto [draws, posterior] = boltzmann_posterior(states, noisy, times, options_.estimator,
                                                      /*tanh_latent=*/true);
  const torch::Tensor noise_target = posterior.noise_mean.detach();

  // §4: regress the network onto μ̂0 (or the score −μ̂0/β), then the Polyak step.
  const double actor_loss = step_actor(policy_.regression_loss(states, noisy, times, noise_target));
  critic_.update_target();

  statistics[kCriticLoss] = critic_step.loss;
  statistics[kMeanQ] = critic_step.mean_q;
  statistics[kActorLoss] = actor_loss;
  statistics[kMeanEss] = posterior.ess.mean().item<double>();
  statistics[kMeanAbsCoefficient] = posterior.coefficients.abs().mean().item<double>();
  statistics[kUpdateMs] = milliseconds_since(clock);
  if (tracing_) trace_ = {states, proposal_latents, times, noise, noisy, draws.noise, noise_target};
}

std::unique_ptr<rl::Agent> make_rfm_diffusion_agent(const rl::Config& config,
                                                    const envs::TaskSpec& spec,
                                                    std::uint64_t seed) {
  return std::make_unique<RfmDiffusionAgent>(RfmDiffusionOptions::from_config(config),
                                             spec.observation_size, spec.action_size, seed);
}

}  // namespace rfm::agents
