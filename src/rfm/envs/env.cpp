#include "rfm/envs/env.h"

#include <cmath>
#include <sstream>

#include "rfm/util/error.h"

namespace rfm::envs {

void validate_action(const TaskSpec& spec, const std::vector<double>& action) {
  if (static_cast<int>(action.size()) != spec.action_size) {
    std::ostringstream message;
    message << spec.name << ": action has " << action.size() << " entries, expected "
            << spec.action_size;
    throw Error(message.str());
  }
  for (std::size_t i = 0; i < action.size(); ++i) {
    if (!std::isfinite(action[i])) {
      std::ostringstream message;
      message << spec.name << ": action entry " << i << " is not finite (" << action[i] << ")";
      throw Error(message.str());
    }
  }
}

void draw_uniform_action(const TaskSpec& spec, Rng& rng, std::vector<double>& action) {
  action.resize(spec.action_size);
  for (int i = 0; i < spec.action_size; ++i)
    action[i] = rng.uniform(spec.action_lower[i], spec.action_upper[i]);
}

}  // namespace rfm::envs
