// quadruped: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.4, the contact-free height search, and the activation state.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "scratch_folder.h"
#include "test_support.h"

namespace rfm {
namespace {

const char* const kLegs[4] = {"front_left", "front_right", "back_right", "back_left"};

// Rotation about world z by yaw, applied after a rotation about x by roll: R = Rz(yaw) Rx(roll).
// Then R.zz = cos(roll) and the body x axis in world is (cos yaw, sin yaw, 0).
std::array<double, 4> yaw_roll_quat(double yaw, double roll) {
  const double qz[4] = {std::cos(yaw / 2), 0, 0, std::sin(yaw / 2)};
  const double qx[4] = {std::cos(roll / 2), std::sin(roll / 2), 0, 0};
  std::array<double, 4> q;
  mju_mulQuat(q.data(), qz, qx);
  return q;
}

int joint_id(envs::MujocoTask& task, const std::string& name) {
  return task.physics().joint(name.c_str());
}

const mjtNum* sensor_by_name(envs::MujocoTask& task, const char* name) {
  return task.physics().sensor_data(task.physics().sensor(name));
}

// Places the free root.
void set_root(envs::MujocoTask& task, const double position[3], const std::array<double, 4>& quat) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  const int adr = m->jnt_qposadr[joint_id(task, "root")];
  for (int k = 0; k < 3; ++k) d->qpos[adr + k] = position[k];
  for (int k = 0; k < 4; ++k) d->qpos[adr + 3 + k] = quat[k];
}

TEST(Quadruped, SpecMatchesTheTaskTable) {
  for (const char* name : {"quadruped-walk", "quadruped-run"}) {
    auto env = envs::make_env(name);
    const auto& spec = env->spec();
    EXPECT_EQ(spec.observation_size, 78) << name;
    EXPECT_EQ(spec.action_size, 12) << name;
    EXPECT_EQ(spec.episode_steps, 1000) << name;
    EXPECT_NEAR(spec.control_timestep, 0.02, 1e-12) << name;
    EXPECT_EQ(test::as_mujoco(*env).substeps(), 4) << name;
    // Per leg: yaw [-1, 1], lift [-1, 1.1], extend [-0.8, 0.8] (not symmetric [-1, 1]).
    for (int leg = 0; leg < 4; ++leg) {
      EXPECT_DOUBLE_EQ(spec.action_lower[3 * leg + 0], -1.0);
      EXPECT_DOUBLE_EQ(spec.action_upper[3 * leg + 0], 1.0);
      EXPECT_DOUBLE_EQ(spec.action_lower[3 * leg + 1], -1.0);
      EXPECT_DOUBLE_EQ(spec.action_upper[3 * leg + 1], 1.1);
      EXPECT_DOUBLE_EQ(spec.action_lower[3 * leg + 2], -0.8);
      EXPECT_DOUBLE_EQ(spec.action_upper[3 * leg + 2], 0.8);
    }
  }
}

TEST(Quadruped, ObservationOnAConstructedState) {
  auto env = envs::make_env("quadruped-walk");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  mjModel* m = task.physics().model();
  mjData* d = task.physics().data();

  const double roll = 0.7;
  const double position[3] = {0.3, -0.2, 2.0};
  set_root(task, position, yaw_roll_quat(0.4, roll));
  const int root_dof = m->jnt_dofadr[joint_id(task, "root")];
  for (int k = 0; k < 6; ++k) d->qvel[root_dof + k] = 0.3 * (k + 1) - 1.0;
  // Distinct hinge angles and velocities, per leg in the order yaw, pitch, knee, ankle.
  std::vector<double> angles, velocities;
  int n = 0;
  for (const char* leg : kLegs) {
    for (const char* part : {"yaw_", "pitch_", "knee_", "ankle_"}) {
      const int j = joint_id(task, std::string(part) + leg);
      angles.push_back(0.01 * n - 0.07);
      velocities.push_back(0.2 * n - 1.5);
      d->qpos[m->jnt_qposadr[j]] = angles.back();
      d->qvel[m->jnt_dofadr[j]] = velocities.back();
      ++n;
    }
  }
  ASSERT_EQ(m->na, 12);
  for (int i = 0; i < m->na; ++i) d->act[i] = 0.05 * i - 0.3;
  for (int i = 0; i < m->nu; ++i) d->ctrl[i] = 0.5 - 0.08 * i;
  mj_forward(m, d);
  task.observe(observation);
  ASSERT_EQ(observation.size(), 78u);

  // 1. egocentric state: hinge angles, hinge velocities, activations.
  for (int i = 0; i < 16; ++i) {
    EXPECT_DOUBLE_EQ(observation[i], angles[i]) << "hinge angle " << i;
    EXPECT_DOUBLE_EQ(observation[16 + i], velocities[i]) << "hinge velocity " << i;
  }
  for (int i = 0; i < 12; ++i) EXPECT_DOUBLE_EQ(observation[32 + i], 0.05 * i - 0.3) << "act " << i;
  // 2. torso velocity and 4. gyro: the torso site's velocity in its own frame.
  mjtNum site_velocity[6];  // angular, then linear
  mj_objectVelocity(m, d, mjOBJ_SITE, task.physics().site("torso"), site_velocity, 1);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(observation[44 + k], site_velocity[3 + k], 1e-9) << "torso velocity " << k;
    EXPECT_NEAR(observation[51 + k], site_velocity[k], 1e-9) << "gyro " << k;
  }
  // 3. torso upright.
  EXPECT_NEAR(observation[47], std::cos(roll), 1e-9);
  // 4. accelerometer.
  for (int k = 0; k < 3; ++k)
    EXPECT_DOUBLE_EQ(observation[48 + k], sensor_by_name(task, "imu_accel")[k]);
  // 5. asinh of the toe forces, then of the toe torques, legs in the listed order.
  int index = 54;
  for (const char* kind : {"force_toe_", "torque_toe_"}) {
    for (const char* leg : kLegs) {
      const std::string name = std::string(kind) + leg;
      const mjtNum* reading = sensor_by_name(task, name.c_str());
      for (int k = 0; k < 3; ++k, ++index)
        EXPECT_DOUBLE_EQ(observation[index], std::asinh(reading[k])) << name << " " << k;
    }
  }
  EXPECT_EQ(index, 78);
}

TEST(Quadruped, RewardOnConstructedStates) {
  for (const auto& [name, speed] :
       {std::pair<const char*, double>{"quadruped-walk", 0.5}, {"quadruped-run", 5.0}}) {
    auto env = envs::make_env(name);
    auto& task = test::as_mujoco(*env);
    std::vector<double> observation;
    env->reset(0, observation);
    mjModel* m = task.physics().model();
    mjData* d = task.physics().data();
    struct Case {
      double yaw, roll, vx, vy;
    };
    const double s = speed;
    for (const Case c : {Case{0, 0, 0, 0}, Case{0, 0, s, 0}, Case{0, 0, 3 * s, 0},
                         Case{0.5, 0.3, 0.4 * s, 0.2 * s}, Case{-2.0, 1.2, -0.3 * s, 0.7 * s},
                         Case{0, 0, -s, 0}, Case{0, 0, -4 * s, 0}, Case{M_PI, 0, s, 0},
                         Case{1.0, M_PI, 2 * s, 0}, Case{0.2, 2.5, 0.1 * s, -0.6 * s}}) {
      mj_resetData(m, d);
      const double position[3] = {0, 0, 3};
      set_root(task, position, yaw_roll_quat(c.yaw, c.roll));
      const int root_dof = m->jnt_dofadr[joint_id(task, "root")];
      d->qvel[root_dof + 0] = c.vx;
      d->qvel[root_dof + 1] = c.vy;
      d->qvel[root_dof + 2] = 0.3;
      mj_forward(m, d);
      // The forward velocity is measured in the torso frame: project onto the body x axis.
      const double forward = std::cos(c.yaw) * c.vx + std::sin(c.yaw) * c.vy;
      const double upright = (1 + std::cos(c.roll)) / 2;
      const double move = forward >= s ? 1.0 : forward <= -s ? 0.0 : 0.5 + 0.5 * forward / s;
      EXPECT_NEAR(task.current_reward(), upright * move, 1e-9)
          << name << " yaw " << c.yaw << " roll " << c.roll << " v " << c.vx << "," << c.vy;
    }
  }
}

TEST(Quadruped, ActivationsFollowTheFilteredControl) {
  auto env = envs::make_env("quadruped-walk");
  std::vector<double> observation;
  env->reset(3, observation);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(observation[32 + i], 0.0);
  // act' = (clamp(ctrl) - act) / 0.1, Euler with h = 0.005 over 4 substeps from act = 0.
  std::vector<double> action(12);
  for (int i = 0; i < 12; ++i) action[i] = 0.15 * i - 0.9;
  action[1] = 2.0;  // above lift's upper bound 1.1: the dynamics see the clamped control
  env->step(action, observation);
  const double gain = 1 - std::pow(1 - 0.005 / 0.1, 4);
  const auto& spec = env->spec();
  for (int i = 0; i < 12; ++i) {
    const double clamped =
        std::min(std::max(action[i], spec.action_lower[i]), spec.action_upper[i]);
    EXPECT_NEAR(observation[32 + i], clamped * gain, 1e-12) << "act " << i;
  }
  // The control itself is stored unclipped.
  EXPECT_EQ(test::as_mujoco(*env).physics().data()->ctrl[1], 2.0);
}

TEST(Quadruped, InitialStateIsTheLowestContactFreeHeightInARandomOrientation) {
  auto env = envs::make_env("quadruped-run");
  auto& task = test::as_mujoco(*env);
  mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  const int adr = m->jnt_qposadr[joint_id(task, "root")];
  std::vector<double> observation;
  env->seed(17);
  int negative_components = 0;
  double sum_upright = 0;
  const int episodes = 60;
  for (int episode = 0; episode < episodes; ++episode) {
    env->reset(observation);
    EXPECT_EQ(d->ncon, 0);
    EXPECT_EQ(task.physics().warning_count(), 0);
    // Default pose: hinges, velocities and activations zero.
    for (int i = 0; i < 44; ++i) ASSERT_EQ(observation[i], 0.0) << "entry " << i;
    for (int i = 0; i < m->nv; ++i) ASSERT_EQ(d->qvel[i], 0.0);
    EXPECT_EQ(d->qpos[adr + 0], 0.0);
    EXPECT_EQ(d->qpos[adr + 1], 0.0);
    const double z = d->qpos[adr + 2];
    EXPECT_NEAR(z / 0.01, std::round(z / 0.01), 1e-6) << "z " << z;
    EXPECT_GT(z, 0.1);
    EXPECT_LT(z, 1.5);
    double norm = 0;
    for (int k = 0; k < 4; ++k) {
      norm += d->qpos[adr + 3 + k] * d->qpos[adr + 3 + k];
      if (d->qpos[adr + 3 + k] < 0) ++negative_components;
    }
    EXPECT_NEAR(norm, 1.0, 1e-12);
    sum_upright += observation[47];
    // One centimetre lower the body touches something: the search stopped at the first height.
    d->qpos[adr + 2] = z - 0.01;
    mj_forward(m, d);
    EXPECT_GT(d->ncon, 0) << "z " << z;
  }
  // Normal draws give a uniform rotation: components of both signs, upright averaging 0.
  EXPECT_GT(negative_components, episodes);
  EXPECT_LT(std::abs(sum_upright / episodes), 0.25);
}

// dm_control ignores physics errors (e.g. a full contact buffer) during the height search. With a
// contact buffer of 3, the low attempts overflow it; the reset must still succeed, with the same
// initial state as with the normal buffer, and leave no warning behind.
TEST(Quadruped, WarningsDuringTheHeightSearchAreIgnored) {
  std::ifstream in(std::string(RFM_DEFAULT_MODEL_DIR) + "/quadruped_walk.xml");
  std::stringstream text;
  text << in.rdbuf();
  std::string xml = text.str();
  const std::string option = "<option timestep=\"0.005\"/>";
  const auto at = xml.find(option);
  ASSERT_NE(at, std::string::npos);
  xml.insert(at + option.size(), "\n  <size nconmax=\"3\"/>");
  const test::ScratchFolder scratch("rfm_quadruped_small_buffer");
  const std::string dir = scratch.path().string();
  ASSERT_TRUE(test::directory_exists(dir)) << dir;
  std::ofstream(dir + "/quadruped_walk.xml") << xml;

  // MuJoCo would print and log (MUJOCO_LOG.TXT) every overflow; keep them quiet here.
  struct QuietWarnings {
    void (*saved)(const char*) = mju_user_warning;
    QuietWarnings() {
      mju_user_warning = [](const char*) {};
    }
    ~QuietWarnings() { mju_user_warning = saved; }
  } quiet;
  auto small = envs::make_env("quadruped-walk", dir);
  auto& task = test::as_mujoco(*small);
  // The premise: a pose in the floor overflows this buffer and raises a warning.
  {
    mjModel* m = task.physics().model();
    mjData* d = task.physics().data();
    ASSERT_EQ(m->nconmax, 3);
    mj_resetData(m, d);
    d->qpos[m->jnt_qposadr[joint_id(task, "root")] + 2] = 0.0;
    mj_forward(m, d);
    ASSERT_GT(d->warning[mjWARN_CONTACTFULL].number, 0);
  }
  auto normal = envs::make_env("quadruped-walk");
  std::vector<double> a, b;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    ASSERT_NO_THROW(small->reset(seed, a)) << "seed " << seed;
    normal->reset(seed, b);
    EXPECT_EQ(task.physics().warning_count(), 0);
    EXPECT_EQ(a, b) << "seed " << seed;
  }
  std::remove((dir + "/quadruped_walk.xml").c_str());
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(QuadrupedWalk, "quadruped_walk.xml", 4);
RFM_MODEL_PARITY(QuadrupedRun, "quadruped_run.xml", 4);
}  // namespace rfm::test
