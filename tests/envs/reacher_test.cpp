// reacher: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.7, and the initial-state distribution.
#include <gtest/gtest.h>

#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

constexpr double kLink = 0.12;  // shoulder to wrist, wrist to fingertip

void set_state(envs::MujocoTask& task, double shoulder, double wrist, double shoulder_vel,
               double wrist_vel) {
  mjData* d = task.physics().data();
  d->qpos[0] = shoulder;
  d->qpos[1] = wrist;
  d->qvel[0] = shoulder_vel;
  d->qvel[1] = wrist_vel;
  mj_forward(task.physics().model(), d);
}

void place_target(envs::MujocoTask& task, double x, double y) {
  mjModel* m = task.physics().model();
  const int target = task.physics().geom("target");
  m->geom_pos[3 * target] = x;
  m->geom_pos[3 * target + 1] = y;
  mj_forward(m, task.physics().data());
}

void fingertip(double shoulder, double wrist, double* x, double* y) {
  *x = kLink * std::cos(shoulder) + kLink * std::cos(shoulder + wrist);
  *y = kLink * std::sin(shoulder) + kLink * std::sin(shoulder + wrist);
}

TEST(Reacher, ObservationOnConstructedStates) {
  auto env = envs::make_env("reacher-easy");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 6u);
  set_state(task, 0.7, -1.9, 0.4, -2.5);
  place_target(task, -0.1, 0.15);
  double x, y;
  fingertip(0.7, -1.9, &x, &y);
  std::vector<double> obs;
  task.observe(obs);
  EXPECT_NEAR(obs[0], 0.7, 1e-12);
  EXPECT_NEAR(obs[1], -1.9, 1e-12);
  EXPECT_NEAR(obs[2], -0.1 - x, 1e-9);
  EXPECT_NEAR(obs[3], 0.15 - y, 1e-9);
  EXPECT_NEAR(obs[4], 0.4, 1e-12);
  EXPECT_NEAR(obs[5], -2.5, 1e-12);
}

TEST(Reacher, RewardIsAnIndicatorOfTouchingTheTarget) {
  for (const bool easy : {true, false}) {
    auto env = envs::make_env(easy ? "reacher-easy" : "reacher-hard");
    auto& task = test::as_mujoco(*env);
    std::vector<double> observation;
    env->reset(1, observation);
    const double radii = (easy ? 0.05 : 0.015) + 0.01;
    const double shoulder = 2.2, wrist = 1.1;
    set_state(task, shoulder, wrist, 0, 0);
    double x, y;
    fingertip(shoulder, wrist, &x, &y);
    // Distance along a diagonal: inside, just inside, just outside, far.
    const double c = std::sqrt(0.5);
    for (const double distance : {0.0, 0.5 * radii, radii - 1e-7, radii + 1e-7, 0.3}) {
      place_target(task, x + c * distance, y - c * distance);
      EXPECT_EQ(task.current_reward(), distance <= radii ? 1.0 : 0.0)
          << (easy ? "easy" : "hard") << " distance " << distance;
    }
  }
}

TEST(Reacher, InitialStatesFollowTheTaskDistribution) {
  for (const bool easy : {true, false}) {
    auto env = envs::make_env(easy ? "reacher-easy" : "reacher-hard");
    auto& task = test::as_mujoco(*env);
    const mjModel* m = task.physics().model();
    const mjData* d = task.physics().data();
    const int target = task.physics().geom("target");
    std::vector<double> observation;
    env->seed(8);
    double min_radius = 1, max_radius = 0, min_shoulder = 4, max_shoulder = -4;
    int quadrants[4] = {0, 0, 0, 0};
    for (int episode = 0; episode < 200; ++episode) {
      env->reset(observation);
      EXPECT_DOUBLE_EQ(m->geom_size[3 * target], easy ? 0.05 : 0.015);
      const double tx = m->geom_pos[3 * target], ty = m->geom_pos[3 * target + 1];
      EXPECT_DOUBLE_EQ(m->geom_pos[3 * target + 2], 0.01);
      const double radius = std::hypot(tx, ty);
      min_radius = std::min(min_radius, radius);
      max_radius = std::max(max_radius, radius);
      ++quadrants[(tx > 0) + 2 * (ty > 0)];
      EXPECT_LE(std::abs(d->qpos[0]), M_PI);
      EXPECT_LE(std::abs(d->qpos[1]), 160 * M_PI / 180 + 1e-12);
      min_shoulder = std::min(min_shoulder, d->qpos[0]);
      max_shoulder = std::max(max_shoulder, d->qpos[0]);
      EXPECT_EQ(d->qvel[0], 0.0);
      EXPECT_EQ(d->qvel[1], 0.0);
    }
    EXPECT_GE(min_radius, 0.05 - 1e-12);
    EXPECT_LE(max_radius, 0.20 + 1e-12);
    EXPECT_LT(min_radius, 0.06);
    EXPECT_GT(max_radius, 0.19);
    EXPECT_LT(min_shoulder, -2.8);
    EXPECT_GT(max_shoulder, 2.8);
    for (int count : quadrants) EXPECT_GT(count, 25);
  }
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Reacher, "reacher.xml", 1);
}  // namespace rfm::test
