// walker domain: being written (TASKS.md); adds no tasks until then.
#include "rfm/envs/domains.h"

namespace rfm::envs {

void add_walker_tasks(std::vector<TaskEntry>&) {}

}  // namespace rfm::envs
