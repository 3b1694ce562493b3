// humanoid: observation and reward on constructed states, computed independently from docs/tasks.md
// 3.5, and the contact-free initial pose distribution.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

// Observation layout (docs/tasks.md 3.5).
constexpr int kJointAngles = 0, kHeadHeight = 21, kExtremities = 22, kTorsoVertical = 34,
              kComVelocity = 37, kVelocity = 40, kSize = 67;

double gaussian_tolerance(double distance_in_margins) {
  return std::pow(0.1, distance_in_margins * distance_in_margins);
}

// Puts the free root at `position` with orientation `quat`, hinges at `hinge_angle`, the root
// moving with linear velocity `velocity` (no rotation, hinges at rest), and recomputes.
void set_state(envs::MujocoTask& task, const std::array<double, 3>& position,
               const std::array<double, 4>& quat, const std::array<double, 3>& velocity,
               double hinge_angle = 0.0) {
  mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  mj_resetData(m, d);
  const int root = task.physics().joint("root");
  const int q = m->jnt_qposadr[root], v = m->jnt_dofadr[root];
  for (int k = 0; k < 3; ++k) d->qpos[q + k] = position[k];
  for (int k = 0; k < 4; ++k) d->qpos[q + 3 + k] = quat[k];
  for (int i = q + 7; i < m->nq; ++i) d->qpos[i] = hinge_angle;
  for (int k = 0; k < 3; ++k) d->qvel[v + k] = velocity[k];
  mj_forward(m, d);
}

std::array<double, 4> about_x(double angle) {
  return {std::cos(angle / 2), std::sin(angle / 2), 0, 0};
}

TEST(Humanoid, SpecMatchesTheTaskTable) {
  for (const char* name : {"humanoid-stand", "humanoid-walk", "humanoid-run"}) {
    auto env = envs::make_env(name);
    const auto& spec = env->spec();
    EXPECT_EQ(spec.observation_size, kSize) << name;
    EXPECT_EQ(spec.action_size, 21) << name;
    EXPECT_EQ(spec.episode_steps, 1000) << name;
    EXPECT_NEAR(spec.control_timestep, 0.025, 1e-12) << name;
    EXPECT_EQ(test::as_mujoco(*env).substeps(), 5) << name;
    for (int i = 0; i < 21; ++i) {
      EXPECT_EQ(spec.action_lower[i], -1.0);
      EXPECT_EQ(spec.action_upper[i], 1.0);
    }
  }
}

TEST(Humanoid, ObservationOnConstructedStates) {
  auto env = envs::make_env("humanoid-walk");
  auto& task = test::as_mujoco(*env);
  mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  std::vector<double> observation;
  env->reset(0, observation);

  // Upright at the default height, all hinges zero: extremities from the model's geometry.
  set_state(task, {0, 0, 1.5}, {1, 0, 0, 0}, {0, 0, 0});
  task.observe(observation);
  ASSERT_EQ(observation.size(), static_cast<std::size_t>(kSize));
  EXPECT_NEAR(observation[kHeadHeight], 1.5 + 0.19, 1e-12);
  // Hands: upper arm at (0, +-0.17, 0.06), lower arm +(0.18, +-0.18, -0.18), hand
  // +(0.18, -+0.18, 0.18). Order: left hand, left foot, right hand, right foot.
  const double left_hand[3] = {0.36, 0.17, 0.06}, right_hand[3] = {0.36, -0.17, 0.06};
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(observation[kExtremities + k], left_hand[k], 1e-9) << k;
    EXPECT_NEAR(observation[kExtremities + 6 + k], right_hand[k], 1e-9) << k;
  }
  // Feet: far below the torso, on their own side (left is +y).
  EXPECT_LT(observation[kExtremities + 3 + 2], -1.0);
  EXPECT_GT(observation[kExtremities + 3 + 1], 0.05);
  EXPECT_LT(observation[kExtremities + 9 + 2], -1.0);
  EXPECT_LT(observation[kExtremities + 9 + 1], -0.05);
  const std::vector<double> reference(observation.begin() + kExtremities,
                                      observation.begin() + kTorsoVertical);
  EXPECT_NEAR(observation[kTorsoVertical + 0], 0.0, 1e-12);
  EXPECT_NEAR(observation[kTorsoVertical + 1], 0.0, 1e-12);
  EXPECT_NEAR(observation[kTorsoVertical + 2], 1.0, 1e-12);

  // Rotated and moved: extremities are in the torso frame, so they do not change.
  std::array<double, 4> quat = {0.8, 0.3, -0.2, 0.4};
  mju_normalize4(quat.data());
  set_state(task, {0.5, -0.3, 1.2}, quat, {0.7, -0.4, 0.2});
  task.observe(observation);
  double rotation[9];
  mju_quat2Mat(rotation, quat.data());
  for (int i = 0; i < 12; ++i)
    EXPECT_NEAR(observation[kExtremities + i], reference[i], 1e-9) << "extremity entry " << i;
  // The world-frame offset of the left hand is R * (its torso-frame offset), which differs.
  const int torso = task.physics().body("torso"), hand = task.physics().body("left_hand");
  double world_offset[3], expected_world[3];
  mju_sub3(world_offset, d->xpos + 3 * hand, d->xpos + 3 * torso);
  mju_mulMatVec(expected_world, rotation, left_hand, 3, 3);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(world_offset[k], expected_world[k], 1e-9);
  EXPECT_GT(std::abs(world_offset[0] - left_hand[0]), 0.01);
  // Head 0.19 along the torso z axis; torso vertical is row 2 of R.
  EXPECT_NEAR(observation[kHeadHeight], 1.2 + 0.19 * rotation[8], 1e-9);
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(observation[kTorsoVertical + k], rotation[6 + k], 1e-12) << k;
  // The whole body translates: the centre-of-mass velocity is the root velocity.
  const double velocity[3] = {0.7, -0.4, 0.2};
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(observation[kComVelocity + k], velocity[k], 1e-9);

  // Joint angles are qpos[7:], velocity is all of qvel.
  mj_resetData(m, d);
  for (int i = 7; i < m->nq; ++i) d->qpos[i] = 0.01 * i - 0.1;
  for (int i = 0; i < m->nv; ++i) d->qvel[i] = 0.1 * i - 1.0;
  mj_forward(m, d);
  task.observe(observation);
  for (int i = 0; i < 21; ++i)
    EXPECT_DOUBLE_EQ(observation[kJointAngles + i], 0.01 * (7 + i) - 0.1) << "angle " << i;
  for (int i = 0; i < 27; ++i)
    EXPECT_DOUBLE_EQ(observation[kVelocity + i], 0.1 * i - 1.0) << "velocity " << i;
}

TEST(Humanoid, RewardOnConstructedStates) {
  struct Case {
    double z, roll, vx, vy, u;
  };
  const std::vector<Case> cases = {
      {1.5, 0, 0, 0, 0},         // standing still: the stand maximum
      {1.5, 0, 0.6, -0.8, 0.3},  // speed 1: the walk maximum apart from control
      {1.5, 0, 12, 5, 0},        // faster than the run speed
      {1.0, 0, 0.2, 0.1, -0.5},  // head below 1.4: gaussian standing term
      {1.5, 0.3, 1.5, 0, 0.9},   // tilted, zz = cos 0.3 > 0.9
      {1.5, 1.2, -3, 2, 0.0},    // tilted, zz < 0.9: linear upright term
      {2.0, M_PI, 0, 0, 0},      // upside down: upright 0
      {1.5, 0, 0.5, 0.5, 1.0},   // |u| = 1: no control credit
      {1.2, 2.0, 4, -4, -1.5}};  // |u| > 1
  for (const auto& [name, speed] : {std::pair<const char*, double>{"humanoid-stand", 0.0},
                                    {"humanoid-walk", 1.0},
                                    {"humanoid-run", 10.0}}) {
    auto env = envs::make_env(name);
    auto& task = test::as_mujoco(*env);
    std::vector<double> observation;
    env->reset(0, observation);
    mjData* d = task.physics().data();
    for (const Case& c : cases) {
      set_state(task, {0.1, 0.2, c.z}, about_x(c.roll), {c.vx, c.vy, 0.4});
      // Different controls per actuator, spread around c.u; mean of q(u) computed here.
      double control_sum = 0;
      for (int i = 0; i < 21; ++i) {
        const double u = c.u * (i % 3 == 0 ? 1.0 : i % 3 == 1 ? 0.5 : -1.0);
        d->ctrl[i] = u;
        control_sum += std::abs(u) < 1 ? 1 - u * u : 0.0;
      }
      const double small_control = (4 + control_sum / 21) / 5;
      const double head = c.z + 0.19 * std::cos(c.roll), zz = std::cos(c.roll);
      const double standing = head >= 1.4 ? 1.0 : gaussian_tolerance((1.4 - head) / 0.35);
      const double upright = zz >= 0.9 ? 1.0 : std::max(0.0, 1 - (0.9 - zz) / 1.9);
      double expected;
      if (speed == 0) {
        const double dont_move = (gaussian_tolerance(c.vx / 2) + gaussian_tolerance(c.vy / 2)) / 2;
        expected = small_control * standing * upright * dont_move;
      } else {
        const double move = std::min(std::hypot(c.vx, c.vy) / speed, 1.0);
        expected = small_control * standing * upright * (5 * move + 1) / 6;
      }
      EXPECT_NEAR(task.current_reward(), expected, 1e-9)
          << name << " z " << c.z << " roll " << c.roll << " v " << c.vx << "," << c.vy;
    }
    // Upright, standing still (stand) or at the target speed (walk, run), no control: reward 1.
    set_state(task, {0, 0, 1.5}, {1, 0, 0, 0}, {speed, 0, 0});
    for (int i = 0; i < 21; ++i) d->ctrl[i] = 0;
    EXPECT_NEAR(task.current_reward(), 1.0, 1e-12) << name;
  }
}

TEST(Humanoid, InitialPosesAreRandomAndContactFree) {
  auto env = envs::make_env("humanoid-stand");
  auto& task = test::as_mujoco(*env);
  const mjModel* m = task.physics().model();
  const mjData* d = task.physics().data();
  std::vector<double> observation, first;
  env->seed(21);
  for (int episode = 0; episode < 30; ++episode) {
    env->reset(observation);
    if (episode == 0) first = observation;
    EXPECT_EQ(d->ncon, 0);
    // Root stays at (0, 0, 1.5); its quaternion has non-negative components (U(0,1) draws).
    EXPECT_EQ(d->qpos[0], 0.0);
    EXPECT_EQ(d->qpos[1], 0.0);
    EXPECT_EQ(d->qpos[2], 1.5);
    double norm = 0;
    for (int k = 3; k < 7; ++k) {
      EXPECT_GE(d->qpos[k], 0.0);
      norm += d->qpos[k] * d->qpos[k];
    }
    EXPECT_NEAR(norm, 1.0, 1e-12);
    // Every hinge inside its range; nothing moves.
    for (int j = 1; j < m->njnt; ++j) {
      const double angle = d->qpos[m->jnt_qposadr[j]];
      EXPECT_GE(angle, m->jnt_range[2 * j]);
      EXPECT_LE(angle, m->jnt_range[2 * j + 1]);
    }
    for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
  }
  EXPECT_NE(observation, first);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Humanoid, "humanoid.xml", 5);
}  // namespace rfm::test
