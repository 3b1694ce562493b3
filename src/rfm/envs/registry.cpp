#include "rfm/envs/registry.h"

#include <algorithm>
#include <cstdlib>

#include "rfm/envs/domains.h"
#include "rfm/util/error.h"

#ifndef RFM_DEFAULT_MODEL_DIR
#error "RFM_DEFAULT_MODEL_DIR must be defined by the build"
#endif

namespace rfm::envs {

namespace {
std::vector<TaskEntry> build_task_table() {
  std::vector<TaskEntry> tasks;
  // The paper's eight tasks come first, in the paper's order.
  const std::vector<std::string> paper_order = {"cheetah-run",  "cartpole-swingup", "fish-swim",
                                                "fish-upright", "walker-walk",      "walker-run",
                                                "finger-spin",  "finger-turn_hard"};
  std::vector<TaskEntry> unordered;
  for (auto add : {add_cheetah_tasks, add_cartpole_tasks, add_fish_tasks, add_walker_tasks,
                   add_finger_tasks, add_hopper_tasks, add_reacher_tasks, add_pendulum_tasks,
                   add_acrobot_tasks, add_ball_in_cup_tasks, add_point_mass_tasks,
                   add_swimmer_tasks, add_quadruped_tasks, add_humanoid_tasks, add_bandit_tasks})
    add(unordered);
  for (const auto& name : paper_order) {
    auto it = std::find_if(unordered.begin(), unordered.end(),
                           [&](const TaskEntry& e) { return e.name == name; });
    if (it != unordered.end()) {
      tasks.push_back(*it);
      unordered.erase(it);
    }
  }
  tasks.insert(tasks.end(), unordered.begin(), unordered.end());
  return tasks;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}
}  // namespace

const std::vector<TaskEntry>& all_tasks() {
  static const std::vector<TaskEntry> tasks = build_task_table();
  return tasks;
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& entry : all_tasks()) names.push_back(entry.name);
  return names;
}

std::string default_model_dir() {
  const char* from_environment = std::getenv("RFM_MODEL_DIR");
  if (from_environment && *from_environment) return from_environment;
  return RFM_DEFAULT_MODEL_DIR;
}

std::vector<std::string> closest_task_names(const std::string& name, std::size_t count) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& entry : all_tasks()) {
    // A name that contains the query (or the domain part) ranks first.
    const bool contains = entry.name.find(name) != std::string::npos ||
                          (!name.empty() && name.find(entry.name.substr(0, entry.name.find('-'))) !=
                                                std::string::npos);
    scored.emplace_back(edit_distance(name, entry.name) - (contains ? 100 : 0) + 100, entry.name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  for (std::size_t i = 0; i < scored.size() && i < count; ++i) names.push_back(scored[i].second);
  return names;
}

std::unique_ptr<Env> make_env(const std::string& name, const std::string& model_dir) {
  for (const auto& entry : all_tasks())
    if (entry.name == name) return entry.make(model_dir.empty() ? default_model_dir() : model_dir);
  std::string message = "unknown task '" + name + "'; did you mean ";
  const auto suggestions = closest_task_names(name);
  for (std::size_t i = 0; i < suggestions.size(); ++i) message += (i ? ", " : "") + suggestions[i];
  message += "? ('rfm tasks' lists all)";
  throw Error(message);
}

}  // namespace rfm::envs
