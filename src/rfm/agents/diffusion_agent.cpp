#include "rfm/agents/diffusion_agent.h"

namespace rfm::agents {

DiffusionAgent::DiffusionAgent(const CommonUpdateOptions& common,
                               const DiffusionPolicyOptions& policy, int64_t observation_size,
                               int64_t action_size, const rl::AgentContext& context)
    : ActorCriticAgent(common, policy, observation_size, action_size, context) {}

DiffusionAgent::NoisedPoints DiffusionAgent::noise_points(const torch::Tensor& clean, double t_low,
                                                          double t_high) {
  const torch::Tensor times =
      policy().draw_training_times(clean.size(0), t_low, t_high, clean.options(), generator_);
  return ActorCriticAgent::noise_points(clean, times);
}

}  // namespace rfm::agents
