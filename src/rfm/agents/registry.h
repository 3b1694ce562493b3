// The algorithms `rfm train --algo` knows, each with its agent factory.
#pragma once

#include <string>
#include <vector>

#include "rfm/rl/agent.h"

namespace rfm::agents {

// Algorithms with an implementation, in display order.
std::vector<std::string> algorithm_names();
// The factory for `algorithm`; throws rfm::Error naming the known algorithms otherwise.
rl::AgentFactory agent_factory(const std::string& algorithm);

}  // namespace rfm::agents
