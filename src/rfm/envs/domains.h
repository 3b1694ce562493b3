// One function per domain file, adding that domain's tasks to the registry.
#pragma once

#include <vector>

#include "rfm/envs/registry.h"

namespace rfm::envs {

void add_cheetah_tasks(std::vector<TaskEntry>& tasks);
void add_cartpole_tasks(std::vector<TaskEntry>& tasks);
void add_fish_tasks(std::vector<TaskEntry>& tasks);
void add_walker_tasks(std::vector<TaskEntry>& tasks);
void add_finger_tasks(std::vector<TaskEntry>& tasks);
void add_hopper_tasks(std::vector<TaskEntry>& tasks);
void add_reacher_tasks(std::vector<TaskEntry>& tasks);
void add_pendulum_tasks(std::vector<TaskEntry>& tasks);
void add_acrobot_tasks(std::vector<TaskEntry>& tasks);
void add_ball_in_cup_tasks(std::vector<TaskEntry>& tasks);
void add_point_mass_tasks(std::vector<TaskEntry>& tasks);
void add_swimmer_tasks(std::vector<TaskEntry>& tasks);
void add_quadruped_tasks(std::vector<TaskEntry>& tasks);
void add_humanoid_tasks(std::vector<TaskEntry>& tasks);
void add_bandit_tasks(std::vector<TaskEntry>& tasks);

}  // namespace rfm::envs
