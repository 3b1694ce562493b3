// cheetah: observation and reward on constructed states, and the settled initial state, computed
// independently from docs/tasks.md 3.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm {
namespace {

// World-frame velocity of the whole cheetah's centre of mass, by a finite difference of the
// mass-weighted body centres along qvel (independent of the subtreelinvel sensor).
double com_forward_velocity(const mjModel* m, mjData* d) {
  auto com_x = [&]() {
    double moment = 0, mass = 0;
    for (int b = 1; b < m->nbody; ++b) {
      moment += m->body_mass[b] * d->xipos[3 * b];
      mass += m->body_mass[b];
    }
    return moment / mass;
  };
  std::vector<double> saved(d->qpos, d->qpos + m->nq);
  const double eps = 1e-7;
  for (int i = 0; i < m->nq; ++i) d->qpos[i] = saved[i] - eps * d->qvel[i];
  mj_kinematics(m, d);
  const double before = com_x();
  for (int i = 0; i < m->nq; ++i) d->qpos[i] = saved[i] + eps * d->qvel[i];
  mj_kinematics(m, d);
  const double after = com_x();
  std::copy(saved.begin(), saved.end(), d->qpos);
  mj_forward(m, d);
  return (after - before) / (2 * eps);
}

TEST(Cheetah, SpecMatchesTheTask) {
  auto env = envs::make_env("cheetah-run");
  const auto& spec = env->spec();
  EXPECT_EQ(spec.observation_size, 17);
  EXPECT_EQ(spec.action_size, 6);
  EXPECT_DOUBLE_EQ(spec.control_timestep, 0.01);
  EXPECT_EQ(spec.episode_steps, 1000);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(spec.action_lower[i], -1.0);
    EXPECT_EQ(spec.action_upper[i], 1.0);
  }
}

TEST(Cheetah, ObservationIsPositionWithoutRootxThenVelocity) {
  auto env = envs::make_env("cheetah-run");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  ASSERT_EQ(m->nq, 9);
  ASSERT_EQ(m->nv, 9);
  for (int i = 0; i < 9; ++i) {
    d->qpos[i] = 0.1 * (i + 1) - 0.35;
    d->qvel[i] = -0.7 + 0.2 * i;
  }
  mj_forward(m, d);
  task.observe(observation);
  ASSERT_EQ(observation.size(), 17u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(observation[i], d->qpos[i + 1]) << i;
  for (int i = 0; i < 9; ++i) EXPECT_EQ(observation[8 + i], d->qvel[i]) << i;
}

TEST(Cheetah, RewardIsTheClippedCentreOfMassSpeedOverTen) {
  auto env = envs::make_env("cheetah-run");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  // Pure forward translation: the centre of mass moves at the rootx speed.
  for (const double vx : {-3.0, 0.0, 2.5, 5.0, 9.999, 10.0, 14.0}) {
    std::fill(d->qvel, d->qvel + m->nv, 0.0);
    d->qvel[0] = vx;
    mj_forward(m, d);
    const double expected = std::clamp(vx / 10.0, 0.0, 1.0);
    EXPECT_NEAR(task.current_reward(), expected, 1e-9) << "vx " << vx;
  }
  // General motion (rotation, leg swings, vertical speed): the speed of the whole-body centre of
  // mass, not the torso's.
  Rng rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    for (int i = 1; i < m->nq; ++i) d->qpos[i] = rng.uniform(-0.5, 0.5);
    for (int i = 0; i < m->nv; ++i) d->qvel[i] = rng.uniform(-8.0, 8.0);
    d->qvel[0] = rng.uniform(-2.0, 14.0);
    mj_forward(m, d);
    const double vx = com_forward_velocity(m, d);
    EXPECT_NEAR(task.current_reward(), std::clamp(vx / 10.0, 0.0, 1.0), 1e-6) << "trial " << trial;
  }
  // The action does not enter the reward.
  std::fill(d->qvel, d->qvel + m->nv, 0.0);
  d->qvel[0] = 4.0;
  for (int i = 0; i < m->nu; ++i) d->ctrl[i] = 0.9;
  mj_forward(m, d);
  EXPECT_NEAR(task.current_reward(), 0.4, 1e-9);
}

TEST(Cheetah, InitialStateIsRandomLegAnglesSettledFor200Steps) {
  auto env = envs::make_env("cheetah-run");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  // Reproduce the initial state independently: six limited hinges U(range) in joint order, then
  // mj_step2, 199 x mj_step, mj_step1 with zero control, starting from the reset pose's forward.
  envs::Physics reference(task.physics().path());
  const mjModel* m = reference.model();
  mjData* d = reference.data();
  for (const std::uint64_t seed : {1u, 2u, 77u}) {
    env->reset(seed, observation);
    mj_resetData(m, d);
    reference.forward_without_actuation();
    Rng rng(seed);
    int drawn = 0;
    for (int j = 0; j < m->njnt; ++j) {
      if (!m->jnt_limited[j]) continue;
      ASSERT_EQ(m->jnt_type[j], mjJNT_HINGE);
      d->qpos[m->jnt_qposadr[j]] = rng.uniform(m->jnt_range[2 * j], m->jnt_range[2 * j + 1]);
      ++drawn;
    }
    EXPECT_EQ(drawn, 6);
    // The root starts at the model's pose: torso at (0, 0, 0.7), upright.
    EXPECT_EQ(d->qpos[0], 0.0);
    EXPECT_EQ(d->qpos[1], 0.0);
    EXPECT_EQ(d->qpos[2], 0.0);
    mj_step2(m, d);
    for (int i = 1; i < 200; ++i) mj_step(m, d);
    mj_step1(m, d);
    reference.forward_without_actuation();
    const mjData* td = task.physics().data();
    EXPECT_EQ(td->time, 0.0);
    for (int i = 0; i < m->nq; ++i) EXPECT_NEAR(td->qpos[i], d->qpos[i], 1e-12) << "qpos " << i;
    for (int i = 0; i < m->nv; ++i) EXPECT_NEAR(td->qvel[i], d->qvel[i], 1e-12) << "qvel " << i;
    // The cheetah has fallen onto the floor: the torso is well below its start height.
    EXPECT_LT(td->qpos[1], -0.05);
  }
}

TEST(Cheetah, FirstObservationsDifferBetweenSeeds) {
  auto env = envs::make_env("cheetah-run");
  std::vector<double> a, b;
  env->reset(1, a);
  env->reset(2, b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Cheetah, "cheetah.xml", 1);
}  // namespace rfm::test
