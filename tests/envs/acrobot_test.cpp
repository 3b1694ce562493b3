// acrobot: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.8.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm {
namespace {

std::pair<std::vector<double>, double> evaluate(envs::MujocoTask& task, double shoulder,
                                                double elbow, double v_shoulder = 0.0,
                                                double v_elbow = 0.0) {
  mjData* d = task.physics().data();
  d->qpos[0] = shoulder;
  d->qpos[1] = elbow;
  d->qvel[0] = v_shoulder;
  d->qvel[1] = v_elbow;
  mj_forward(task.physics().model(), d);
  std::vector<double> observation;
  task.observe(observation);
  return {observation, task.current_reward()};
}

// Tip of the two 1 m links from the shoulder at (0, 0, 2); the target is at (0, 0, 4).
double tip_to_target(double shoulder, double elbow) {
  const double x = std::sin(shoulder) + std::sin(shoulder + elbow);
  const double z = 2 + std::cos(shoulder) + std::cos(shoulder + elbow);
  return std::hypot(x, z - 4);
}

TEST(Acrobot, SpecMatchesTheTask) {
  auto env = envs::make_env("acrobot-swingup");
  const auto& spec = env->spec();
  EXPECT_EQ(spec.observation_size, 6);
  EXPECT_EQ(spec.action_size, 1);
  EXPECT_DOUBLE_EQ(spec.control_timestep, 0.01);
  EXPECT_EQ(spec.episode_steps, 1000);
}

TEST(Acrobot, ObservationIsLinkOrientationsThenVelocity) {
  auto env = envs::make_env("acrobot-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  for (const auto& [a, b] : {std::pair{0.0, 0.0}, {0.5, -1.3}, {-2.0, 2.7}, {3.1, 0.2}}) {
    const auto [obs, reward] = evaluate(task, a, b, 0.4, -2.2);
    (void)reward;
    ASSERT_EQ(obs.size(), 6u);
    EXPECT_NEAR(obs[0], std::sin(a), 1e-12);      // upper arm xz
    EXPECT_NEAR(obs[1], std::sin(a + b), 1e-12);  // lower arm xz
    EXPECT_NEAR(obs[2], std::cos(a), 1e-12);      // upper arm zz
    EXPECT_NEAR(obs[3], std::cos(a + b), 1e-12);  // lower arm zz
    EXPECT_EQ(obs[4], 0.4);
    EXPECT_EQ(obs[5], -2.2);
  }
}

TEST(Acrobot, RewardIsGaussianToleranceOfTipDistance) {
  auto env = envs::make_env("acrobot-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  for (const auto& [a, b] : {std::pair{0.0, 0.0},
                             {0.1, 0.05},
                             {0.3, -0.2},
                             {0.5, -1.3},
                             {-2.0, 2.7},
                             {M_PI, 0.0},
                             {1.5, 0.0},
                             {-0.7, 1.4}}) {
    const double distance = tip_to_target(a, b);
    const double expected =
        distance <= 0.2 ? 1.0 : std::pow(0.1, (distance - 0.2) * (distance - 0.2));
    EXPECT_NEAR(evaluate(task, a, b, 1.0, 1.0).second, expected, 1e-9) << a << " " << b;
  }
  // Straight up: exactly 1; hanging down, 4 m away: 0.1^(3.8^2).
  EXPECT_EQ(evaluate(task, 0.0, 0.0).second, 1.0);
  EXPECT_NEAR(evaluate(task, M_PI, 0.0).second, std::pow(0.1, 3.8 * 3.8), 1e-15);
  // Elbow bent so that the tip is 2 sin(b/2) = 1.2 m from the target, one margin (1 m)
  // outside its radius: 0.1.
  const double bend = 2 * std::asin(0.6);
  EXPECT_NEAR(tip_to_target(0.0, bend), 1.2, 1e-12);
  EXPECT_NEAR(evaluate(task, 0.0, bend).second, 0.1, 1e-9);
}

TEST(Acrobot, InitialAnglesAreShoulderThenElbowUniformAtRest) {
  auto env = envs::make_env("acrobot-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  for (const std::uint64_t seed : {0u, 6u, 1234u}) {
    env->reset(seed, observation);
    Rng rng(seed);
    const double shoulder = rng.uniform(-M_PI, M_PI);
    const double elbow = rng.uniform(-M_PI, M_PI);
    const mjData* d = task.physics().data();
    EXPECT_EQ(d->qpos[0], shoulder);
    EXPECT_EQ(d->qpos[1], elbow);
    EXPECT_EQ(d->qvel[0], 0.0);
    EXPECT_EQ(d->qvel[1], 0.0);
    EXPECT_NEAR(observation[0], std::sin(shoulder), 1e-12);
  }
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Acrobot, "acrobot.xml", 1);
}  // namespace rfm::test
