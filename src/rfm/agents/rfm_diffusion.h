// RFM on diffusion policies (docs/algorithms.md §4, last item): the RFM update of §3 with a VP or
// VE diffusion policy in the tanh latent instead of the flow policy. The posterior mean of the
// noise under the Boltzmann policy exp(Q/λ), from the same estimator family (default: data-side
// optimal diagonal control variates), is the regression target of the noise (or score) network.
#pragma once

#include <memory>

#include "rfm/agents/diffusion_agent.h"
#include "rfm/agents/rfm.h"

namespace rfm::agents {

struct RfmDiffusionOptions {
  CommonUpdateOptions common;
  DiffusionPolicyOptions policy;  // diffusion.*; rfm.temperature is λ
  flow::EstimatorOptions estimator;
  ProposalSource proposal = ProposalSource::on_policy;
  int64_t particles = 32;  // P, Boltzmann-resampled as for the flow policy
  static RfmDiffusionOptions from_config(const rl::Config& config);
};

class RfmDiffusionAgent : public DiffusionAgent {
 public:
  RfmDiffusionAgent(const RfmDiffusionOptions& options, int64_t observation_size,
                    int64_t action_size, std::uint64_t seed);

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;

 private:
  // P samples per state, one chosen by softmax(Q/λ) or arg-max Q of the online critic: [N, d].
  torch::Tensor choose_latents(const torch::Tensor& states, ParticleChoice choice,
                               at::Generator& generator);

  RfmDiffusionOptions options_;
};

// rfm-vp and rfm-ve: the schedule comes from the preset.
std::unique_ptr<rl::Agent> make_rfm_diffusion_agent(const rl::Config& config,
                                                    const envs::TaskSpec& spec, std::uint64_t seed);

}  // namespace rfm::agents
