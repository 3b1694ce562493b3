// Helpers shared by the task tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "rfm/envs/mujoco_task.h"

namespace rfm::test {

inline bool directory_exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// The DeepMind Control originals, or "" when ../shared is absent.
inline std::string shared_dmc_dir() {
  return directory_exists(RFM_SHARED_DMC_DIR) ? RFM_SHARED_DMC_DIR : "";
}

#define RFM_SKIP_WITHOUT_SHARED_DMC()      \
  if (rfm::test::shared_dmc_dir().empty()) \
  GTEST_SKIP() << "../shared/dmc not found at " << RFM_SHARED_DMC_DIR

// Casts an Env made by the registry to its MuJoCo task, failing the test if it is not one.
inline envs::MujocoTask& as_mujoco(envs::Env& env) {
  auto* task = dynamic_cast<envs::MujocoTask*>(&env);
  if (!task) throw std::runtime_error(env.spec().name + " is not a MuJoCo task");
  return *task;
}

}  // namespace rfm::test
