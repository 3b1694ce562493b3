// ball_in_cup: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.11, and the initial-state distribution (contact-free rejection sampling).
#include <gtest/gtest.h>

#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

// qpos order: cup_x, cup_z, ball_x, ball_z (ball_z relative to the ball's rest height 0.2).
void set_state(envs::MujocoTask& task, const double qpos[4], const double qvel[4]) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  const char* joints[] = {"cup_x", "cup_z", "ball_x", "ball_z"};
  for (int i = 0; i < 4; ++i) {
    const int j = task.physics().joint(joints[i]);
    d->qpos[m->jnt_qposadr[j]] = qpos[i];
    d->qvel[m->jnt_dofadr[j]] = qvel[i];
  }
  mj_forward(m, d);
}

TEST(BallInCup, ObservationIsPositionThenVelocity) {
  auto env = envs::make_env("ball_in_cup-catch");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 8u);
  const double qpos[4] = {0.1, -0.2, 0.05, 0.3}, qvel[4] = {1.5, -0.5, 2.0, -3.0};
  set_state(task, qpos, qvel);
  task.observe(observation);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(observation[i], qpos[i]);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(observation[4 + i], qvel[i]);
}

TEST(BallInCup, RewardIsOneOnlyWithTheBallInsideTheCup) {
  auto env = envs::make_env("ball_in_cup-catch");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double still[4] = {0, 0, 0, 0};
  // The target box centre is at cup + (0, 0, -0.05) = (cup_x, 0.55 + cup_z); the ball centre is at
  // (ball_x, 0.2 + ball_z). Inside means |dx| < 0.025 and |dz| < 0.025 (box half-size 0.05 minus
  // the ball radius 0.025).
  struct Case {
    double cup_x, cup_z, dx, dz, expected;
  };
  for (const Case c :
       {Case{0, 0, 0, 0, 1}, Case{0.1, -0.05, 0.02, -0.02, 1}, Case{-0.2, 0.1, -0.0249, 0.0249, 1},
        Case{0, 0, 0.025, 0, 0}, Case{0.1, 0.1, 0.0251, 0, 0}, Case{0.1, 0.1, 0, -0.0251, 0},
        Case{0.1, 0.1, 0.03, 0.03, 0}, Case{0, 0, 0.0, 0.3, 0}}) {
    const double qpos[4] = {c.cup_x, c.cup_z, c.cup_x + c.dx, 0.55 + c.cup_z + c.dz - 0.2};
    set_state(task, qpos, still);
    EXPECT_EQ(task.current_reward(), c.expected) << "dx " << c.dx << " dz " << c.dz;
  }
}

TEST(BallInCup, InitialStatesAreContactFreeBallPositions) {
  auto env = envs::make_env("ball_in_cup-catch");
  auto& task = test::as_mujoco(*env);
  const mjModel* m = task.physics().model();
  const mjData* d = task.physics().data();
  const int ball_x = m->jnt_qposadr[task.physics().joint("ball_x")];
  const int ball_z = m->jnt_qposadr[task.physics().joint("ball_z")];
  std::vector<double> observation;
  env->seed(2);
  double lo_x = 1, hi_x = -1, lo_z = 1, hi_z = -1;
  for (int episode = 0; episode < 300; ++episode) {
    env->reset(observation);
    EXPECT_EQ(d->ncon, 0);
    EXPECT_EQ(d->qpos[m->jnt_qposadr[task.physics().joint("cup_x")]], 0.0);
    EXPECT_EQ(d->qpos[m->jnt_qposadr[task.physics().joint("cup_z")]], 0.0);
    for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
    lo_x = std::min(lo_x, d->qpos[ball_x]);
    hi_x = std::max(hi_x, d->qpos[ball_x]);
    lo_z = std::min(lo_z, d->qpos[ball_z]);
    hi_z = std::max(hi_z, d->qpos[ball_z]);
  }
  EXPECT_GE(lo_x, -0.2);
  EXPECT_LE(hi_x, 0.2);
  EXPECT_GE(lo_z, 0.2);
  EXPECT_LE(hi_z, 0.5);
  EXPECT_LT(lo_x, -0.18);
  EXPECT_GT(hi_x, 0.18);
  EXPECT_LT(lo_z, 0.22);
  EXPECT_GT(hi_z, 0.48);
}

TEST(BallInCup, SomeBallPositionsInTheRangeTouchTheCup) {
  // The rejection loop matters: a ball drawn onto a cup wall is in contact.
  auto env = envs::make_env("ball_in_cup-catch");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double on_wall[4] = {0, 0, 0.05, 0.35}, still[4] = {0, 0, 0, 0};
  set_state(task, on_wall, still);
  EXPECT_GT(task.physics().data()->ncon, 0);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(BallInCup, "ball_in_cup.xml", 10);
}  // namespace rfm::test
