// QSM, Q-score matching (docs/algorithms.md §4): a VP diffusion policy whose noise network is
// regressed onto −M ∇_a Q(s, a_t) at noised replay actions (M = q_grad_scale, ∇ averaged over both
// critics); TD critic with target-action noise; Gaussian exploration noise on the sampled action.
#pragma once

#include <memory>

#include "rfm/agents/diffusion_agent.h"

namespace rfm::agents {

struct QsmOptions {
  CommonUpdateOptions common;
  DiffusionPolicyOptions policy;  // diffusion.*; qsm.temperature is the network's λ input
  double q_grad_scale = 50.0;     // M
  double target_action_noise = 0.1;
  double exploration_noise = 0.1;
  static QsmOptions from_config(const rl::Config& config);
};

class QsmAgent : public DiffusionAgent {
 public:
  QsmAgent(const QsmOptions& options, int64_t observation_size, int64_t action_size,
           const rl::AgentContext& context);

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;

 private:
  QsmOptions options_;
};

std::unique_ptr<rl::Agent> make_qsm_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context);

}  // namespace rfm::agents
