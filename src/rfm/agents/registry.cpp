#include "rfm/agents/registry.h"

#include <utility>

#include "rfm/agents/dqs.h"
#include "rfm/agents/qne.h"
#include "rfm/agents/qsm.h"
#include "rfm/agents/rfm.h"
#include "rfm/agents/sac.h"
#include "rfm/util/error.h"
#include "rfm/util/format.h"

namespace rfm::agents {

namespace {
const std::vector<std::pair<std::string, rl::AgentFactory>>& registry() {
  static const std::vector<std::pair<std::string, rl::AgentFactory>> entries = {
      {"rfm", make_rfm_agent}, {"rfm-vp", make_rfm_agent}, {"rfm-ve", make_rfm_agent},
      {"qsm", make_qsm_agent}, {"qne", make_qne_agent},    {"dqs", make_dqs_agent},
      {"sac", make_sac_agent},
  };
  return entries;
}
}  // namespace

std::vector<std::string> algorithm_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

rl::AgentFactory agent_factory(const std::string& algorithm) {
  for (const auto& [name, factory] : registry())
    if (name == algorithm) return factory;
  throw Error("unknown algorithm '" + algorithm + "' (built: " + join(algorithm_names(), ", ") +
              ")");
}

}  // namespace rfm::agents
