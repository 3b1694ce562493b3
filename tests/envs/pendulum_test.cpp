// pendulum: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.10.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm {
namespace {

std::pair<std::vector<double>, double> evaluate(envs::MujocoTask& task, double angle,
                                                double velocity, double u = 0.0) {
  mjData* d = task.physics().data();
  d->qpos[0] = angle;
  d->qvel[0] = velocity;
  d->ctrl[0] = u;
  mj_forward(task.physics().model(), d);
  std::vector<double> observation;
  task.observe(observation);
  return {observation, task.current_reward()};
}

TEST(Pendulum, SpecMatchesTheTask) {
  auto env = envs::make_env("pendulum-swingup");
  const auto& spec = env->spec();
  EXPECT_EQ(spec.observation_size, 3);
  EXPECT_EQ(spec.action_size, 1);
  EXPECT_EQ(spec.action_lower[0], -1.0);
  EXPECT_EQ(spec.action_upper[0], 1.0);
  EXPECT_DOUBLE_EQ(spec.control_timestep, 0.02);
  EXPECT_EQ(spec.episode_steps, 1000);
}

TEST(Pendulum, ObservationIsCosineSineAndVelocity) {
  auto env = envs::make_env("pendulum-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  for (const double angle : {0.0, 0.4, -1.2, 2.9, M_PI}) {
    const auto [obs, reward] = evaluate(task, angle, -1.7);
    (void)reward;
    ASSERT_EQ(obs.size(), 3u);
    // The pole hinges about y: its z axis in world is (sin angle, 0, cos angle).
    EXPECT_NEAR(obs[0], std::cos(angle), 1e-12) << angle;
    EXPECT_NEAR(obs[1], std::sin(angle), 1e-12) << angle;
    EXPECT_EQ(obs[2], -1.7);
  }
  // Angle 0 puts the mass straight above the pivot (0.6 + 0.5 m up).
  evaluate(task, 0.0, 0.0);
  const int mass = task.physics().geom("mass");
  EXPECT_NEAR(task.physics().data()->geom_xpos[3 * mass + 2], 1.1, 1e-12);
}

TEST(Pendulum, RewardIsOneWithinEightDegreesOfUpright) {
  auto env = envs::make_env("pendulum-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double degree = M_PI / 180;
  for (const double angle : {0.0, 3.0, -5.0, 7.99, -7.99})
    EXPECT_EQ(evaluate(task, angle * degree, 5.0, 0.9).second, 1.0) << angle;
  for (const double angle : {8.01, -8.01, 30.0, -90.0, 180.0, -8.5})
    EXPECT_EQ(evaluate(task, angle * degree, 0.0).second, 0.0) << angle;
  // A full turn away is still upright.
  EXPECT_EQ(evaluate(task, 2 * M_PI + 2 * degree, 0.0).second, 1.0);
}

TEST(Pendulum, InitialAngleIsUniformOverTheCircleAtRest) {
  auto env = envs::make_env("pendulum-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->seed(3);
  double min_angle = 10, max_angle = -10;
  int upright = 0;
  for (int episode = 0; episode < 300; ++episode) {
    env->reset(observation);
    const mjData* d = task.physics().data();
    EXPECT_LE(std::abs(d->qpos[0]), M_PI);
    EXPECT_EQ(d->qvel[0], 0.0);
    EXPECT_NEAR(observation[0], std::cos(d->qpos[0]), 1e-12);
    min_angle = std::min(min_angle, d->qpos[0]);
    max_angle = std::max(max_angle, d->qpos[0]);
    if (std::abs(d->qpos[0]) < 8 * M_PI / 180) ++upright;
  }
  EXPECT_LT(min_angle, -3.0);
  EXPECT_GT(max_angle, 3.0);
  // About 16/360 of the starts are already upright.
  EXPECT_LT(upright, 40);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Pendulum, "pendulum.xml", 1);
}  // namespace rfm::test
