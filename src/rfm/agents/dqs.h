// DQS, diffusion Q-sampling (docs/algorithms.md §4): a VE diffusion policy (geometric σ from 1 to
// 1e-5) whose score network is regressed onto the η = 1 member of the estimator family, ∇_x log
// (1/K) Σ_k exp(Q(s, x + σ ε_k)/λ) = Σ_k w_k ∇Q(s, x1_k)/λ, at noised replay actions, with the loss
// weight σ² + f (diffusion.score_weight_floor, 1e-3); Euler–Maruyama sampling, action tanh(x),
// plain TD critic.
#pragma once

#include <memory>

#include "rfm/agents/diffusion_agent.h"
#include "rfm/flow/estimators.h"

namespace rfm::agents {

struct DqsOptions {
  CommonUpdateOptions common;
  DiffusionPolicyOptions policy;     // diffusion.*; dqs.temperature is λ
  flow::EstimatorOptions estimator;  // dqs.estimator (eta1) with K = dqs.mc_samples
  static DqsOptions from_config(const rl::Config& config);
};

class DqsAgent : public DiffusionAgent {
 public:
  DqsAgent(const DqsOptions& options, int64_t observation_size, int64_t action_size,
           const rl::AgentContext& context);

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;

 private:
  DqsOptions options_;
};

std::unique_ptr<rl::Agent> make_dqs_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context);

}  // namespace rfm::agents
