// The algorithms `rfm train --algo` knows: each one's agent factory and the facts commands need
// about its preset.
#pragma once

#include <string>
#include <vector>

#include "rfm/rl/agent.h"

namespace rfm::agents {

struct AlgorithmInfo {
  std::string name;
  rl::AgentFactory factory;
  // The preset key of the temperature λ the policy network is conditioned on (the Boltzmann
  // temperature of rfm, rfm-vp, rfm-ve, qne and dqs; QSM's λ input); "" for SAC, which learns α.
  std::string temperature_key;
};

// Algorithms with an implementation, in display order.
const std::vector<AlgorithmInfo>& algorithms();
std::vector<std::string> algorithm_names();
// The algorithm called `name`; throws rfm::Error naming the known algorithms otherwise.
const AlgorithmInfo& algorithm_info(const std::string& name);
// algorithm_info(name).factory.
rl::AgentFactory agent_factory(const std::string& algorithm);

}  // namespace rfm::agents
