// hopper: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm {
namespace {

// qpos/qvel order: rootx, rootz, rooty, waist, hip, knee, ankle.
void set_state(envs::MujocoTask& task, const double* qpos, const double* qvel, const double* ctrl) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  std::copy(qpos, qpos + m->nq, d->qpos);
  std::copy(qvel, qvel + m->nv, d->qvel);
  std::copy(ctrl, ctrl + m->nu, d->ctrl);
  mj_forward(m, d);
}

double clipped_quadratic(double u) {
  return std::abs(u) < 1 ? 1 - u * u : 0.0;
}

TEST(Hopper, SpecMatchesTheTasks) {
  for (const char* name : {"hopper-stand", "hopper-hop"}) {
    auto env = envs::make_env(name);
    const auto& spec = env->spec();
    EXPECT_EQ(spec.observation_size, 15) << name;
    EXPECT_EQ(spec.action_size, 4) << name;
    EXPECT_NEAR(spec.control_timestep, 0.02, 1e-15) << name;
    EXPECT_EQ(test::as_mujoco(*env).substeps(), 4) << name;
    EXPECT_EQ(spec.episode_steps, 1000) << name;
  }
}

TEST(Hopper, ObservationIsPositionVelocityAndLogTouch) {
  auto env = envs::make_env("hopper-hop");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const mjModel* m = task.physics().model();
  const mjData* d = task.physics().data();
  // Upright with the foot pressed 1 cm into the floor, so that both toe and heel feel a force.
  // (In the default pose the foot capsule's axis is 0.1 m up, 0.9 m below the torso origin, and
  // its radius is 0.04 m.)
  const double qpos[7] = {0.3, -0.07, 0.0, 0.0, 0.0, 0.0, 0.0};
  const double qvel[7] = {0.5, -0.4, 0.3, 0.2, -0.1, 0.6, -0.8};
  const double ctrl[4] = {0, 0, 0, 0};
  set_state(task, qpos, qvel, ctrl);
  task.observe(observation);
  ASSERT_EQ(observation.size(), 15u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(observation[i], qpos[i + 1]) << i;
  for (int i = 0; i < 7; ++i) EXPECT_EQ(observation[6 + i], qvel[i]) << i;
  // Touch: normal forces of the contacts inside each site's sphere (radius 0.05), log(1 + f).
  const char* sites[2] = {"touch_toe", "touch_heel"};
  for (int k = 0; k < 2; ++k) {
    const int site = task.physics().site(sites[k]);
    const double* centre = d->site_xpos + 3 * site;
    double force = 0;
    for (int c = 0; c < d->ncon; ++c) {
      const mjContact& contact = d->contact[c];
      const double dx = contact.pos[0] - centre[0], dy = contact.pos[1] - centre[1],
                   dz = contact.pos[2] - centre[2];
      if (dx * dx + dy * dy + dz * dz > 0.05 * 0.05) continue;
      double wrench[6];
      mj_contactForce(m, d, c, wrench);
      force += std::abs(wrench[0]);
    }
    EXPECT_GT(force, 1.0) << sites[k];
    EXPECT_NEAR(observation[13 + k], std::log1p(force), 1e-9) << sites[k];
  }
  // In the air the touch entries are log(1 + 0) = 0.
  const double high[7] = {0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0};
  set_state(task, high, qvel, ctrl);
  task.observe(observation);
  EXPECT_EQ(observation[13], 0.0);
  EXPECT_EQ(observation[14], 0.0);
}

TEST(Hopper, RewardsOnConstructedStates) {
  auto stand = envs::make_env("hopper-stand");
  auto hop = envs::make_env("hopper-hop");
  auto& stand_task = test::as_mujoco(*stand);
  auto& hop_task = test::as_mujoco(*hop);
  std::vector<double> observation;
  stand->reset(0, observation);
  hop->reset(0, observation);
  const mjData* d = stand_task.physics().data();
  // Centre-of-mass offset torso - foot in the default pose; tilting the rigid body by rooty = t
  // about y rotates it: dz(t) = -dx sin t + dz cos t.
  const double zero[7] = {0, 0, 0, 0, 0, 0, 0};
  const double no_ctrl[4] = {0, 0, 0, 0};
  set_state(stand_task, zero, zero, no_ctrl);
  const int torso = stand_task.physics().body("torso"), foot = stand_task.physics().body("foot");
  const double dx = d->xipos[3 * torso] - d->xipos[3 * foot];
  const double dz = d->xipos[3 * torso + 2] - d->xipos[3 * foot + 2];
  // Centre-of-mass height difference, not the body frame origins' difference (0.9).
  EXPECT_GT(std::abs(dz - 0.9), 0.01);
  struct Case {
    double tilt, vx;
    double ctrl[4];
  };
  const Case cases[] = {{0.0, 0.0, {0, 0, 0, 0}},         {0.3, 1.0, {0.5, -0.5, 0.1, 0.9}},
                        {-0.8, 2.5, {1.0, 0.2, -1.2, 0}}, {1.2, 3.0, {0.3, 0.3, 0.3, 0.3}},
                        {-1.3, 1.5, {0, 0, 0, 0}},        {2.5, 4.0, {0, 0, 0, 0}},
                        {0.5, -1.0, {-0.99, 0, 0, 0}}};
  int standing_cases = 0, fallen_cases = 0;
  for (const Case& c : cases) {
    double qpos[7] = {0, 0, c.tilt, 0, 0, 0, 0};
    double qvel[7] = {c.vx, 0, 0, 0, 0, 0, 0};  // pure translation: the COM moves at rootx speed
    const double height = -dx * std::sin(c.tilt) + dz * std::cos(c.tilt);
    const double standing = (height >= 0.6 && height <= 2.0) ? 1.0 : 0.0;
    (standing > 0 ? standing_cases : fallen_cases)++;
    double q = 0;
    for (double u : c.ctrl) q += clipped_quadratic(u);
    const double expected_stand = standing * (4 + q / 4) / 5;
    const double expected_hop = standing * std::clamp(c.vx / 2, 0.0, 1.0);
    set_state(stand_task, qpos, qvel, c.ctrl);
    EXPECT_NEAR(stand_task.current_reward(), expected_stand, 1e-9) << "tilt " << c.tilt;
    set_state(hop_task, qpos, qvel, c.ctrl);
    EXPECT_NEAR(hop_task.current_reward(), expected_hop, 1e-9) << "tilt " << c.tilt;
  }
  EXPECT_GE(standing_cases, 3);
  EXPECT_GE(fallen_cases, 2);
  // Edge cases: upright, still, no control: stand 1, hop 0; hop speed 2 gives 1.
  double qpos[7] = {0, 0, 0, 0, 0, 0, 0};
  double qvel[7] = {2.0, 0, 0, 0, 0, 0, 0};
  set_state(stand_task, qpos, zero, no_ctrl);
  EXPECT_EQ(stand_task.current_reward(), 1.0);
  set_state(hop_task, qpos, zero, no_ctrl);
  EXPECT_EQ(hop_task.current_reward(), 0.0);
  set_state(hop_task, qpos, qvel, no_ctrl);
  EXPECT_NEAR(hop_task.current_reward(), 1.0, 1e-12);
  // All controls saturated: the small-control factor is 4/5.
  const double full[4] = {1.0, -1.0, 3.0, -2.0};
  set_state(stand_task, qpos, zero, full);
  EXPECT_NEAR(stand_task.current_reward(), 0.8, 1e-12);
}

TEST(Hopper, InitialStatesFollowTheGenericRandomiser) {
  auto env = envs::make_env("hopper-stand");
  auto& task = test::as_mujoco(*env);
  const mjModel* m = task.physics().model();
  std::vector<double> observation;
  env->seed(8);
  double min_pitch = 10, max_pitch = -10;
  for (int episode = 0; episode < 200; ++episode) {
    env->reset(observation);
    const mjData* d = task.physics().data();
    EXPECT_EQ(d->qpos[0], 0.0);  // rootx
    EXPECT_EQ(d->qpos[1], 0.0);  // rootz: torso origin at height 1
    EXPECT_EQ(observation[0], 0.0);
    min_pitch = std::min(min_pitch, d->qpos[2]);
    max_pitch = std::max(max_pitch, d->qpos[2]);
    for (int j = 3; j < 7; ++j) {
      EXPECT_GE(d->qpos[j], m->jnt_range[2 * j]);
      EXPECT_LE(d->qpos[j], m->jnt_range[2 * j + 1]);
    }
    for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
  }
  EXPECT_LT(min_pitch, -2.8);
  EXPECT_GT(max_pitch, 2.8);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Hopper, "hopper.xml", 4);
}  // namespace rfm::test
