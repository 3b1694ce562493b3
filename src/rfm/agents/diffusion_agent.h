// The baselines on a diffusion policy (QSM, QNE, DQS): the actor-critic base with the policy's
// diffusion-specific parts (noise and data predictions, the level time input) in reach, and
// training points noised over a range each baseline chooses.
#pragma once

#include <torch/types.h>

#include "rfm/agents/actor_critic.h"
#include "rfm/agents/diffusion_policy.h"

namespace rfm::agents {

class DiffusionAgent : public ActorCriticAgent {
 public:
  DiffusionAgent(const CommonUpdateOptions& common, const DiffusionPolicyOptions& policy,
                 int64_t observation_size, int64_t action_size, const rl::AgentContext& context);

  DiffusionPolicy& policy() { return static_cast<DiffusionPolicy&>(*policy_); }

 protected:
  // §1: t ~ U[t_low, t_high] per row (the chain's levels for the level time input), ε ~ N(0, I),
  // x_t = α_t clean + β_t ε, from the update stream.
  NoisedPoints noise_points(const torch::Tensor& clean, double t_low, double t_high);
};

}  // namespace rfm::agents
