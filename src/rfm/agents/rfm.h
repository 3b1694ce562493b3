// RFM with a flow policy (docs/algorithms.md §3): a critic ensemble trained by TD with next actions
// from the policy, and the velocity network regressed onto the posterior-mean velocity of the
// Boltzmann policy exp(Q/λ), estimated by importance sampling with Langevin–Stein control variates.
#pragma once

#include <torch/types.h>

#include <memory>
#include <vector>

#include "rfm/agents/critic_learner.h"
#include "rfm/agents/flow_policy.h"
#include "rfm/flow/estimators.h"
#include "rfm/rl/agent.h"

namespace torch::optim {
class Optimizer;
}
namespace rfm::rl {
class Config;
}

namespace rfm::agents {

enum class ProposalSource { on_policy, replay };

struct RfmOptions {
  FlowPolicyOptions policy;
  flow::EstimatorOptions estimator;  // num_draws = K
  ProposalSource proposal = ProposalSource::on_policy;
  CommonUpdateOptions common;  // trainer.discount, polyak_tau, learning rates, grad_norm_clip
  // Reads the rfm.* and trainer.* keys, with range checks naming the key.
  static RfmOptions from_config(const rl::Config& config);
};

// rfm.estimator, estimator_side, mc_samples, ridge and coefficient_clip (shared with rfm-vp/ve).
flow::EstimatorOptions estimator_options_from_config(const rl::Config& config);
// rfm.proposal: on-policy | replay.
ProposalSource proposal_from_config(const rl::Config& config);

// What one update computed, kept when tracing is on (tests recompute §3 from it).
struct RfmUpdateTrace {
  torch::Tensor states, proposal_latents, times, noise, noisy_latents;  // s, u1, t, ε, u_t
  torch::Tensor posterior_noise_draws;  // x0_k [B, K, d] of the estimator
  torch::Tensor velocity_target;        // v̂ = μ̂1 − μ̂0 [B, d]
  // Gradient norms of each network right after each backward pass.
  double critic_step_critic_gradient = 0, critic_step_actor_gradient = 0;
  double actor_step_actor_gradient = 0, actor_step_critic_gradient = 0;
};

class RfmAgent : public rl::Agent {
 public:
  RfmAgent(const RfmOptions& options, int64_t observation_size, int64_t action_size,
           std::uint64_t seed);
  ~RfmAgent() override;

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;
  void save(std::ostream& out) override;
  void load(std::istream& in) override;

  // Keep an RfmUpdateTrace of every update (off by default).
  void set_tracing(bool enabled) { tracing_ = enabled; }
  const RfmUpdateTrace& last_trace() const { return trace_; }

  nn::CriticEnsembleImpl& critic() { return critic_.online(); }
  nn::CriticEnsembleImpl& target_critic() { return critic_.target(); }
  FlowPolicy& policy() { return policy_; }
  const RfmOptions& options() const { return options_; }

 private:
  RfmOptions options_;
  CriticLearner critic_;
  FlowPolicy policy_;
  std::unique_ptr<torch::optim::Optimizer> actor_optimizer_;
  at::Generator generator_;
  bool tracing_ = false;
  RfmUpdateTrace trace_;
};

std::unique_ptr<rl::Agent> make_rfm_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          std::uint64_t seed);

}  // namespace rfm::agents
