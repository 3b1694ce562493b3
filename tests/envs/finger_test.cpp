// finger: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.6 and 5.2, and the initial-state distributions of spin and turn.
#include <gtest/gtest.h>

#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

constexpr double kSpinnerX = 0.2, kSpinnerZ = 0.4;  // the spinner hinge in the world
constexpr double kTipRadius = 0.13;                 // site tip: 0.13 above the hinge

struct FingerState {
  double proximal = 0, distal = 0, hinge = 0;
  double proximal_vel = 0, distal_vel = 0, hinge_vel = 0;
};

// Writes the joint state by name and recomputes everything (including contacts and touch).
void set_state(envs::MujocoTask& task, const FingerState& s) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  const auto set = [&](const char* joint, double q, double v) {
    const int j = task.physics().joint(joint);
    d->qpos[m->jnt_qposadr[j]] = q;
    d->qvel[m->jnt_dofadr[j]] = v;
  };
  set("proximal", s.proximal, s.proximal_vel);
  set("distal", s.distal, s.distal_vel);
  set("hinge", s.hinge, s.hinge_vel);
  mju_zero(d->ctrl, m->nu);
  mj_forward(task.physics().model(), d);
}

std::vector<double> observe(envs::MujocoTask& task) {
  std::vector<double> observation;
  task.observe(observation);
  return observation;
}

// Moves the target site (world frame, y = 0) and recomputes the sensors.
void place_target(envs::MujocoTask& task, double x, double z) {
  mjModel* m = task.physics().model();
  const int site = task.physics().site("target");
  m->site_pos[3 * site] = x;
  m->site_pos[3 * site + 2] = z;
  mj_forward(m, task.physics().data());
}

TEST(Finger, SpinObservationOnConstructedStates) {
  auto env = envs::make_env("finger-spin");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 9u);
  // Finger folded away from the spinner: no contact, so both touch entries are log(1 + 0) = 0.
  FingerState s{-1.2, 0.8, 0.7, 0.3, -0.4, 2.5};
  set_state(task, s);
  ASSERT_EQ(task.physics().data()->ncon, 0);
  const auto obs = observe(task);
  ASSERT_EQ(obs.size(), 9u);
  EXPECT_NEAR(obs[0], -1.2, 1e-12);
  EXPECT_NEAR(obs[1], 0.8, 1e-12);
  // The hinge axis is -y: a positive angle turns the tip from +z toward -x.
  EXPECT_NEAR(obs[2], -kTipRadius * std::sin(0.7), 1e-9);
  EXPECT_NEAR(obs[3], kTipRadius * std::cos(0.7), 1e-9);
  EXPECT_NEAR(obs[4], 0.3, 1e-12);
  EXPECT_NEAR(obs[5], -0.4, 1e-12);
  EXPECT_NEAR(obs[6], 2.5, 1e-12);
  EXPECT_EQ(obs[7], 0.0);
  EXPECT_EQ(obs[8], 0.0);
}

TEST(Finger, TouchIsTheLogOfTheTouchSensors) {
  auto env = envs::make_env("finger-spin");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  // Both links straight along +x: the fingertip (reaching x = 0.171) presses into cap2 (x >= 0.14).
  set_state(task, FingerState{0.0, 0.0, 0.0, 0, 0, 0});
  ASSERT_GT(task.physics().data()->ncon, 0);
  const double top = task.physics().sensor_data(task.physics().sensor("touchtop"))[0];
  const double bottom = task.physics().sensor_data(task.physics().sensor("touchbottom"))[0];
  EXPECT_GT(top + bottom, 0.0);
  const auto obs = observe(task);
  EXPECT_NEAR(obs[7], std::log(1 + top), 1e-12);
  EXPECT_NEAR(obs[8], std::log(1 + bottom), 1e-12);
}

TEST(Finger, SpinRewardIsAnIndicatorOfFastNegativeSpin) {
  auto env = envs::make_env("finger-spin");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  struct Case {
    double hinge_velocity, expected;
  };
  for (const Case c : {Case{-15.0, 1.0}, Case{-20.0, 1.0}, Case{-14.999, 0.0}, Case{0.0, 0.0},
                       Case{15.0, 0.0}, Case{30.0, 0.0}}) {
    FingerState s{-1.2, 0.8, 0.3, 0, 0, c.hinge_velocity};
    set_state(task, s);
    EXPECT_EQ(task.current_reward(), c.expected) << "hinge velocity " << c.hinge_velocity;
  }
}

TEST(Finger, TurnObservationAndRewardOnConstructedStates) {
  for (const char* name : {"finger-turn_easy", "finger-turn_hard"}) {
    const double radius = std::string(name) == "finger-turn_easy" ? 0.07 : 0.03;
    auto env = envs::make_env(name);
    auto& task = test::as_mujoco(*env);
    std::vector<double> observation;
    env->reset(3, observation);
    ASSERT_EQ(observation.size(), 12u);
    const double theta = -2.1;
    set_state(task, FingerState{-1.2, 0.8, theta, 0, 0, 0});
    const double tip_x = kSpinnerX - kTipRadius * std::sin(theta);
    const double tip_z = kSpinnerZ + kTipRadius * std::cos(theta);
    // Target 0.1 to the right of and 0.05 above the tip: distance sqrt(0.0125) - radius.
    place_target(task, tip_x + 0.1, tip_z + 0.05);
    auto obs = observe(task);
    EXPECT_NEAR(obs[9], tip_x + 0.1 - kSpinnerX, 1e-9);
    EXPECT_NEAR(obs[10], tip_z + 0.05 - kSpinnerZ, 1e-9);
    EXPECT_NEAR(obs[11], std::sqrt(0.1 * 0.1 + 0.05 * 0.05) - radius, 1e-9);
    EXPECT_EQ(task.current_reward(), 0.0);
    // The reward is 1 exactly while the tip is within the target radius (distance <= 0).
    for (const double offset : {0.0, 0.5 * radius, radius - 1e-7}) {
      place_target(task, tip_x, tip_z - offset);
      EXPECT_EQ(task.current_reward(), 1.0) << name << " offset " << offset;
      EXPECT_NEAR(observe(task)[11], offset - radius, 1e-9);
    }
    place_target(task, tip_x + radius + 1e-7, tip_z);
    EXPECT_EQ(task.current_reward(), 0.0) << name;
  }
}

TEST(Finger, SpinInitialStatesAreCollisionFreeWithLowHingeDamping) {
  auto env = envs::make_env("finger-spin");
  auto& task = test::as_mujoco(*env);
  const mjModel* m = task.physics().model();
  const mjData* d = task.physics().data();
  const int hinge = task.physics().joint("hinge");
  std::vector<double> observation;
  env->seed(12);
  int negative_hinge = 0;
  for (int episode = 0; episode < 100; ++episode) {
    env->reset(observation);
    EXPECT_EQ(d->ncon, 0);
    EXPECT_DOUBLE_EQ(m->dof_damping[m->jnt_dofadr[hinge]], 0.03);
    for (const char* joint : {"proximal", "distal"})
      EXPECT_LE(std::abs(d->qpos[m->jnt_qposadr[task.physics().joint(joint)]]),
                110.0 * M_PI / 180.0 + 1e-12);
    const double angle = d->qpos[m->jnt_qposadr[hinge]];
    EXPECT_LE(std::abs(angle), M_PI);
    negative_hinge += angle < 0;
    for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
    EXPECT_EQ(observation[7], 0.0);  // no contact, no touch
    EXPECT_EQ(observation[8], 0.0);
  }
  EXPECT_GT(negative_hinge, 25);
  EXPECT_LT(negative_hinge, 75);
}

TEST(Finger, TurnTargetsLieOnTheTipCircle) {
  for (const char* name : {"finger-turn_easy", "finger-turn_hard"}) {
    const double radius = std::string(name) == "finger-turn_easy" ? 0.07 : 0.03;
    auto env = envs::make_env(name);
    auto& task = test::as_mujoco(*env);
    const mjModel* m = task.physics().model();
    const mjData* d = task.physics().data();
    const int site = task.physics().site("target");
    const int hinge = task.physics().joint("hinge");
    std::vector<double> observation;
    env->seed(5);
    int quadrant_counts[4] = {0, 0, 0, 0};
    for (int episode = 0; episode < 200; ++episode) {
      env->reset(observation);
      EXPECT_EQ(d->ncon, 0);
      EXPECT_DOUBLE_EQ(m->dof_damping[m->jnt_dofadr[hinge]], 0.5);  // unchanged
      EXPECT_DOUBLE_EQ(m->site_size[3 * site], radius);
      const double dx = m->site_pos[3 * site] - kSpinnerX;
      const double dz = m->site_pos[3 * site + 2] - kSpinnerZ;
      EXPECT_EQ(m->site_pos[3 * site + 1], 0.0);
      EXPECT_NEAR(std::hypot(dx, dz), 0.04 + 0.09, 1e-12);
      EXPECT_NEAR(observation[9], dx, 1e-12);
      EXPECT_NEAR(observation[10], dz, 1e-12);
      ++quadrant_counts[(dx > 0) + 2 * (dz > 0)];
    }
    for (int count : quadrant_counts) EXPECT_GT(count, 25) << name;
  }
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Finger, "finger.xml", 2);
}  // namespace rfm::test
