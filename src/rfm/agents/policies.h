// The policies an agent can be built with (policy.h): a flow policy or a diffusion policy.
#pragma once

#include <memory>
#include <variant>

#include "rfm/agents/diffusion_policy.h"
#include "rfm/agents/flow_policy.h"

namespace rfm::agents {

using PolicyOptions = std::variant<FlowPolicyOptions, DiffusionPolicyOptions>;

// The policy `options` describe, around `network`.
std::unique_ptr<Policy> make_policy(const PolicyOptions& options, nn::VelocityNetwork network);

}  // namespace rfm::agents
