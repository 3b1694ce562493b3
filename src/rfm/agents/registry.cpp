#include "rfm/agents/registry.h"

#include "rfm/agents/dqs.h"
#include "rfm/agents/qne.h"
#include "rfm/agents/qsm.h"
#include "rfm/agents/rfm.h"
#include "rfm/agents/sac.h"
#include "rfm/util/error.h"
#include "rfm/util/format.h"

namespace rfm::agents {

const std::vector<AlgorithmInfo>& algorithms() {
  static const std::vector<AlgorithmInfo> entries = {
      {"rfm", make_rfm_agent, "rfm.temperature"},
      {"rfm-vp", make_rfm_agent, "rfm.temperature"},
      {"rfm-ve", make_rfm_agent, "rfm.temperature"},
      {"qsm", make_qsm_agent, "qsm.temperature"},
      {"qne", make_qne_agent, "qne.temperature"},
      {"dqs", make_dqs_agent, "dqs.temperature"},
      {"sac", make_sac_agent, ""},
  };
  return entries;
}

std::vector<std::string> algorithm_names() {
  std::vector<std::string> names;
  for (const AlgorithmInfo& info : algorithms()) names.push_back(info.name);
  return names;
}

const AlgorithmInfo& algorithm_info(const std::string& name) {
  for (const AlgorithmInfo& info : algorithms())
    if (info.name == name) return info;
  throw Error("unknown algorithm '" + name + "' (built: " + join(algorithm_names(), ", ") + ")");
}

rl::AgentFactory agent_factory(const std::string& algorithm) {
  return algorithm_info(algorithm).factory;
}

}  // namespace rfm::agents
