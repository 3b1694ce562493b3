// point_mass: observation and reward on constructed states, computed independently from
// docs/tasks.md 5.3, and the initial-state distribution.
#include <gtest/gtest.h>

#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

void set_state(envs::MujocoTask& task, double x, double y, double vx, double vy, double u1,
               double u2) {
  mjData* d = task.physics().data();
  d->qpos[0] = x;
  d->qpos[1] = y;
  d->qvel[0] = vx;
  d->qvel[1] = vy;
  d->ctrl[0] = u1;
  d->ctrl[1] = u2;
  mj_forward(task.physics().model(), d);
}

TEST(PointMass, ObservationIsPositionThenVelocity) {
  auto env = envs::make_env("point_mass-easy");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 4u);
  set_state(task, 0.1, -0.2, 0.3, -0.4, 0, 0);
  task.observe(observation);
  EXPECT_EQ(observation, (std::vector<double>{0.1, -0.2, 0.3, -0.4}));
}

TEST(PointMass, RewardOnConstructedStates) {
  auto env = envs::make_env("point_mass-easy");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double r = 0.015;  // target radius; the target sits at the origin
  struct Case {
    double x, y, u1, u2;
  };
  for (const Case c :
       {Case{0, 0, 0, 0}, Case{0.01, -0.01, 0.5, -0.3}, Case{0.02, 0.0, 1.0, 0.2},
        Case{0.0, -0.03, -1.5, 0.9}, Case{0.2, 0.2, 0.1, 0.1}, Case{-0.29, 0.29, 2.0, -2.0}}) {
    set_state(task, c.x, c.y, 0.5, -0.5, c.u1, c.u2);
    const double distance = std::hypot(c.x, c.y);
    const double near = distance <= r ? 1.0 : std::pow(0.1, std::pow((distance - r) / r, 2));
    const auto q = [](double u) { return std::abs(u) < 1 ? 1 - u * u : 0.0; };
    const double small_control = (4 + (q(c.u1) + q(c.u2)) / 2) / 5;
    EXPECT_NEAR(task.current_reward(), near * small_control, 1e-12) << "x " << c.x << " y " << c.y;
  }
  set_state(task, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(task.current_reward(), 1.0);
  // One target radius outside the target: the gaussian's value at the margin, 0.1.
  set_state(task, 2 * r, 0, 0, 0, 0, 0);
  EXPECT_NEAR(task.current_reward(), 0.1, 1e-9);
}

TEST(PointMass, InitialPositionsAreUniformOverTheSlideRanges) {
  auto env = envs::make_env("point_mass-easy");
  auto& task = test::as_mujoco(*env);
  const mjData* d = task.physics().data();
  std::vector<double> observation;
  env->seed(17);
  double lo[2] = {1, 1}, hi[2] = {-1, -1}, mean[2] = {0, 0};
  const int episodes = 400;
  for (int episode = 0; episode < episodes; ++episode) {
    env->reset(observation);
    for (int k = 0; k < 2; ++k) {
      lo[k] = std::min(lo[k], d->qpos[k]);
      hi[k] = std::max(hi[k], d->qpos[k]);
      mean[k] += d->qpos[k] / episodes;
      EXPECT_EQ(d->qvel[k], 0.0);
      EXPECT_EQ(observation[k], d->qpos[k]);
    }
  }
  for (int k = 0; k < 2; ++k) {
    EXPECT_GE(lo[k], -0.29);
    EXPECT_LE(hi[k], 0.29);
    EXPECT_LT(lo[k], -0.27);
    EXPECT_GT(hi[k], 0.27);
    EXPECT_NEAR(mean[k], 0.0, 0.04);
  }
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(PointMass, "point_mass.xml", 1);
}  // namespace rfm::test
