// cartpole: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.9.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "rfm/util/error.h"
#include "test_support.h"

namespace rfm {
namespace {

// Sets the state and control, recomputes kinematics, and returns (observation, reward).
std::pair<std::vector<double>, double> evaluate(envs::MujocoTask& task, double x, double theta,
                                                double x_dot, double theta_dot, double u) {
  mjData* d = task.physics().data();
  d->qpos[0] = x;
  d->qpos[1] = theta;
  d->qvel[0] = x_dot;
  d->qvel[1] = theta_dot;
  d->ctrl[0] = u;
  mj_forward(task.physics().model(), d);
  std::vector<double> observation;
  task.observe(observation);
  return {observation, task.current_reward()};
}

TEST(Cartpole, ObservationOnConstructedStates) {
  auto env = envs::make_env("cartpole-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double theta = 0.7;
  auto [obs, reward] = evaluate(task, 0.3, theta, -0.2, 1.5, 0.0);
  (void)reward;
  ASSERT_EQ(obs.size(), 5u);
  EXPECT_NEAR(obs[0], 0.3, 1e-12);
  // The pole hinges about y: its z axis in world is (sin theta, 0, cos theta).
  EXPECT_NEAR(obs[1], std::cos(theta), 1e-9);
  EXPECT_NEAR(obs[2], std::sin(theta), 1e-9);
  EXPECT_NEAR(obs[3], -0.2, 1e-12);
  EXPECT_NEAR(obs[4], 1.5, 1e-12);
}

TEST(Cartpole, RewardOnConstructedStates) {
  auto env = envs::make_env("cartpole-balance");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  struct Case {
    double x, theta, omega, u;
  };
  for (const Case c : {Case{0, 0, 0, 0}, Case{0.5, 0.3, 2.0, 0.4}, Case{-1.5, 2.5, -7.0, 1.2},
                       Case{1.0, M_PI, 0.0, -0.9}}) {
    const double expected_upright = (std::cos(c.theta) + 1) / 2;
    const double expected_centered = (1 + std::pow(0.1, (c.x / 2) * (c.x / 2))) / 2;
    const double q = std::abs(c.u) < 1 ? 1 - c.u * c.u : 0.0;
    const double expected_control = (4 + q) / 5;
    const double expected_velocity = (1 + std::pow(0.1, (c.omega / 5) * (c.omega / 5))) / 2;
    const double expected =
        expected_upright * expected_centered * expected_control * expected_velocity;
    EXPECT_NEAR(evaluate(task, c.x, c.theta, 0.1, c.omega, c.u).second, expected, 1e-9)
        << "x " << c.x << " theta " << c.theta;
  }
  // Upright, centred, still, no control: the maximum reward 1.
  EXPECT_NEAR(evaluate(task, 0, 0, 0, 0, 0).second, 1.0, 1e-12);
}

TEST(Cartpole, InitialStatesFollowTheTaskDistributions) {
  for (const bool swing_up : {true, false}) {
    auto env = envs::make_env(swing_up ? "cartpole-swingup" : "cartpole-balance");
    auto& task = test::as_mujoco(*env);
    std::vector<double> observation;
    env->seed(4);
    for (int episode = 0; episode < 50; ++episode) {
      env->reset(observation);
      const mjData* d = task.physics().data();
      const double theta = d->qpos[1];
      if (swing_up) {
        EXPECT_NEAR(theta, M_PI, 0.06);  // pi + 0.01 N()
        EXPECT_NEAR(d->qpos[0], 0.0, 0.06);
      } else {
        EXPECT_LE(std::abs(theta), 0.034);
        EXPECT_LE(std::abs(d->qpos[0]), 0.1);
      }
      EXPECT_LT(std::abs(d->qvel[0]), 0.06);
      EXPECT_GT(std::abs(d->qvel[0]) + std::abs(d->qvel[1]), 0.0);
    }
  }
}

TEST(Cartpole, PhysicsWarningsDuringAStepAreErrors) {
  auto env = envs::make_env("cartpole-swingup");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  // A non-finite velocity makes MuJoCo warn (bad qvel) and reset its data; the step must raise.
  task.physics().data()->qvel[1] = std::numeric_limits<double>::quiet_NaN();
  try {
    env->step({0.0}, observation);
    FAIL() << "expected a PhysicsError";
  } catch (const PhysicsError& e) {
    EXPECT_NE(std::string(e.what()).find("bad qvel"), std::string::npos) << e.what();
  }
  // A reset recovers.
  env->reset(observation);
  EXPECT_NO_THROW(env->step({0.0}, observation));
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Cartpole, "cartpole.xml", 1);
}  // namespace rfm::test
