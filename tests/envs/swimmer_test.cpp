// swimmer: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.13, and the initial-state distribution.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

constexpr double kHeadZ = 0.05;        // head body height
constexpr double kRootAnchor = -0.05;  // the root hinge sits at head-local (0, -0.05, 0)
constexpr double kNoseY = -0.06;       // nose at head-local (0, -0.06, 0)

struct SwimmerState {
  double x = 0, y = 0, phi = 0;  // rootx, rooty, rootz
  double joints[5] = {0, 0, 0, 0, 0};
  double vx = 0, vy = 0, omega = 0;  // root velocities
  double joint_vel[5] = {0, 0, 0, 0, 0};
};

void set_state(envs::MujocoTask& task, const SwimmerState& s) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  const auto set = [&](const std::string& joint, double q, double v) {
    const int j = task.physics().joint(joint.c_str());
    d->qpos[m->jnt_qposadr[j]] = q;
    d->qvel[m->jnt_dofadr[j]] = v;
  };
  set("rootx", s.x, s.vx);
  set("rooty", s.y, s.vy);
  set("rootz", s.phi, s.omega);
  for (int i = 0; i < 5; ++i) set("joint_" + std::to_string(i), s.joints[i], s.joint_vel[i]);
  mj_forward(m, d);
}

void place_target(envs::MujocoTask& task, double x, double y) {
  mjModel* m = task.physics().model();
  const int target = task.physics().geom("target");
  m->geom_pos[3 * target] = x;
  m->geom_pos[3 * target + 1] = y;
  mj_forward(m, task.physics().data());
}

// World (x, y) of a head-local point (0, local_y) for a state with straight segments.
void head_point(const SwimmerState& s, double local_y, double* x, double* y) {
  const double arm = local_y - kRootAnchor;  // from the hinge, along the head's y axis
  *x = s.x - arm * std::sin(s.phi);
  *y = s.y + kRootAnchor + arm * std::cos(s.phi);
}

TEST(Swimmer, JointsAndTargetObservation) {
  auto env = envs::make_env("swimmer-swimmer6");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 25u);
  SwimmerState s;
  s.x = 0.3;
  s.y = -0.4;
  s.phi = 2.3;
  set_state(task, s);
  // Joint angles do not move the head, so the target observation is independent of them.
  for (int i = 0; i < 5; ++i) s.joints[i] = 0.2 * (i - 2);
  set_state(task, s);
  place_target(task, -1.2, 0.7);
  task.observe(observation);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(observation[i], 0.2 * (i - 2), 1e-12);
  double nose_x, nose_y;
  head_point(s, kNoseY, &nose_x, &nose_y);
  const double dx = -1.2 - nose_x, dy = 0.7 - nose_y;
  // Rotate into the head frame (the head is turned by phi about z).
  EXPECT_NEAR(observation[5], std::cos(s.phi) * dx + std::sin(s.phi) * dy, 1e-9);
  EXPECT_NEAR(observation[6], -std::sin(s.phi) * dx + std::cos(s.phi) * dy, 1e-9);
}

TEST(Swimmer, BodyVelocitiesAreLocalVxVyAndYawRate) {
  auto env = envs::make_env("swimmer-swimmer6");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  SwimmerState s;
  s.phi = 0.8;
  s.vx = 0.3;
  s.vy = -0.2;
  s.omega = 1.5;
  s.joint_vel[2] = -0.7;  // turns segments 2, 3, 4 about joint_2
  set_state(task, s);
  task.observe(observation);
  // Root translation seen in the (common) local frame of every link, all joints straight.
  const double local_vx = std::cos(s.phi) * s.vx + std::sin(s.phi) * s.vy;
  const double local_vy = -std::sin(s.phi) * s.vx + std::cos(s.phi) * s.vy;
  for (int link = 0; link < 6; ++link) {
    // Each link's origin (and site) lies 0.1 * link along the head's y axis.
    const double from_root = 0.1 * link - kRootAnchor;
    double vx = local_vx - s.omega * from_root, vy = local_vy, wz = s.omega;
    if (link >= 3) {  // segment_2 is link 3; joint_2 sits 0.05 behind its origin
      vx -= s.joint_vel[2] * (0.1 * (link - 3) + 0.05);
      wz += s.joint_vel[2];
    }
    EXPECT_NEAR(observation[7 + 3 * link], vx, 1e-9) << "link " << link;
    EXPECT_NEAR(observation[8 + 3 * link], vy, 1e-9) << "link " << link;
    EXPECT_NEAR(observation[9 + 3 * link], wz, 1e-9) << "link " << link;
  }
}

TEST(Swimmer, RewardIsALongTailOfTheNoseDistance) {
  auto env = envs::make_env("swimmer-swimmer6");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  SwimmerState s;
  s.x = -0.5;
  s.y = 0.2;
  s.phi = -1.0;
  set_state(task, s);
  double nose_x, nose_y;
  head_point(s, kNoseY, &nose_x, &nose_y);
  for (const double distance : {0.0, 0.05, 0.1, 0.1 + 1e-6, 0.35, 0.6, 2.0}) {
    place_target(task, nose_x + 0.6 * distance, nose_y - 0.8 * distance);
    const double expected =
        distance <= 0.1 ? 1.0 : 1.0 / (1.0 + 9.0 * std::pow((distance - 0.1) / 0.5, 2));
    EXPECT_NEAR(task.current_reward(), expected, 1e-9) << "distance " << distance;
  }
  // At one margin (0.5) beyond the target radius the reward is value_at_margin = 0.1.
  place_target(task, nose_x + 0.6, nose_y);
  EXPECT_NEAR(task.current_reward(), 0.1, 1e-9);
}

TEST(Swimmer, InitialStatesFollowTheTaskDistribution) {
  auto env = envs::make_env("swimmer-swimmer6");
  auto& task = test::as_mujoco(*env);
  const mjModel* m = task.physics().model();
  const mjData* d = task.physics().data();
  const int target = task.physics().geom("target");
  const int light = task.physics().id(mjOBJ_LIGHT, "target_light");
  const auto qpos = [&](const std::string& joint) {
    return d->qpos[m->jnt_qposadr[task.physics().joint(joint.c_str())]];
  };
  std::vector<double> observation;
  env->seed(31);
  const int episodes = 500;
  int close = 0, negative_yaw = 0;
  double max_extent = 0;
  for (int episode = 0; episode < episodes; ++episode) {
    env->reset(observation);
    EXPECT_EQ(qpos("rootx"), 0.0);
    EXPECT_EQ(qpos("rooty"), 0.0);
    EXPECT_LE(std::abs(qpos("rootz")), M_PI);
    negative_yaw += qpos("rootz") < 0;
    for (int i = 0; i < 5; ++i)
      EXPECT_LE(std::abs(qpos("joint_" + std::to_string(i))), M_PI / 3 + 1e-12);
    for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
    const double tx = m->geom_pos[3 * target], ty = m->geom_pos[3 * target + 1];
    EXPECT_EQ(m->geom_pos[3 * target + 2], kHeadZ);
    EXPECT_EQ(m->light_pos[3 * light], tx);
    EXPECT_EQ(m->light_pos[3 * light + 1], ty);
    EXPECT_EQ(m->light_pos[3 * light + 2], 1.5);
    EXPECT_LE(std::max(std::abs(tx), std::abs(ty)), 2.0);
    max_extent = std::max({max_extent, std::abs(tx), std::abs(ty)});
    close += std::max(std::abs(tx), std::abs(ty)) <= 0.3;
  }
  // P(target in the 0.3 box) = 0.2 + 0.8 * (0.3 / 2)^2 = 0.218.
  EXPECT_GT(close, 0.218 * episodes - 40);
  EXPECT_LT(close, 0.218 * episodes + 40);
  EXPECT_GT(max_extent, 1.9);
  EXPECT_GT(negative_yaw, 200);
  EXPECT_LT(negative_yaw, 300);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Swimmer6, "swimmer6.xml", 15);
}  // namespace rfm::test
