#include "rfm/agents/policies.h"

namespace rfm::agents {

std::unique_ptr<Policy> make_policy(const PolicyOptions& options, nn::VelocityNetwork network) {
  if (const auto* flow = std::get_if<FlowPolicyOptions>(&options))
    return std::make_unique<FlowPolicy>(std::move(network), *flow);
  return std::make_unique<DiffusionPolicy>(std::move(network),
                                           std::get<DiffusionPolicyOptions>(options));
}

}  // namespace rfm::agents
