// The task registry: every task by name, made on demand.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rfm/envs/env.h"

namespace rfm::envs {

using EnvFactory = std::function<std::unique_ptr<Env>(const std::string& model_dir)>;

struct TaskEntry {
  std::string name;
  EnvFactory make;
};

// All tasks, in the order `rfm tasks` lists them (the paper's eight first).
const std::vector<TaskEntry>& all_tasks();
std::vector<std::string> task_names();

// The model directory used when none is given: $RFM_MODEL_DIR if set, else the built-in models.
std::string default_model_dir();

// Makes a task. An empty model_dir means default_model_dir(). Throws rfm::Error for an unknown
// task (naming the closest known names) or a model that does not load.
std::unique_ptr<Env> make_env(const std::string& name, const std::string& model_dir = "");

// Known task names closest to `name` by edit distance (for error messages).
std::vector<std::string> closest_task_names(const std::string& name, std::size_t count = 3);

}  // namespace rfm::envs
