// RFM (docs/algorithms.md §3, and §4's last item): a critic ensemble trained by TD with next
// actions from the policy, and the policy's network regressed onto the posterior mean of the
// Boltzmann policy exp(Q/λ) at noisy points, estimated by importance sampling with Langevin–Stein
// control variates. The policy is any Policy: the flow policy (rfm: a velocity target) or a VP or
// VE diffusion policy (rfm-vp, rfm-ve: a noise or score target), all in the tanh latent.
#pragma once

#include <torch/types.h>

#include <memory>
#include <vector>

#include "rfm/agents/actor_critic.h"
#include "rfm/agents/particles.h"
#include "rfm/flow/estimators.h"

namespace rfm::rl {
class Config;
}

namespace rfm::agents {

enum class ProposalSource { on_policy, replay };

struct RfmOptions {
  // The flow policy (rfm.*) or, where the preset has diffusion.* keys, a diffusion policy whose
  // temperature is rfm.temperature and whose action map is tanh.
  PolicyOptions policy;
  int64_t particles = 32;            // P, Boltzmann-resampled
  flow::EstimatorOptions estimator;  // num_draws = K
  ProposalSource proposal = ProposalSource::on_policy;
  CommonUpdateOptions common;  // trainer.discount, polyak_tau, learning rates, grad_norm_clip
  // Reads the rfm.*, diffusion.* and trainer.* keys.
  static RfmOptions from_config(const rl::Config& config);
};

// rfm.estimator, estimator_side, mc_samples, ridge and coefficient_clip.
flow::EstimatorOptions estimator_options_from_config(const rl::Config& config);

// What one RFM update computed, kept when tracing is on (tests recompute §3 from it): `clean` is
// the proposal's latent u1, `target` v̂ = μ̂1 − μ̂0 for the flow policy or μ̂0 for a diffusion one.
using RfmUpdateTrace = PolicyUpdateTrace;

class RfmAgent : public ActorCriticAgent {
 public:
  RfmAgent(const RfmOptions& options, int64_t observation_size, int64_t action_size,
           const rl::AgentContext& context);

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;

  const RfmOptions& options() const { return options_; }

 private:
  // P samples per state, one chosen by softmax(Q/λ) or arg-max Q of the online critic: [N, d].
  torch::Tensor choose_latents(const torch::Tensor& states, ParticleChoice choice,
                               at::Generator& generator);

  RfmOptions options_;
};

// rfm, rfm-vp and rfm-ve: the policy comes from the preset.
std::unique_ptr<rl::Agent> make_rfm_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context);

}  // namespace rfm::agents
