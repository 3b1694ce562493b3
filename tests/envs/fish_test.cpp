// fish: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.12 and 5.1, and the initial-state distributions.
#include <gtest/gtest.h>

#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "test_support.h"

namespace rfm {
namespace {

const char* const kJoints[] = {"tail1",          "tail_twist",   "tail2",        "finright_roll",
                               "finright_pitch", "finleft_roll", "finleft_pitch"};
constexpr double kMouthY = 0.0745;  // centre of the mouth capsule (0, 0.07..0.079, 0) in the torso

// Torso at `position`, rolled by `alpha` about the world x axis; hinges and qvel as given.
void set_state(envs::MujocoTask& task, const double position[3], double alpha,
               const double hinges[7], double velocity_scale) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  const int root = m->jnt_qposadr[task.physics().joint("root")];
  for (int k = 0; k < 3; ++k) d->qpos[root + k] = position[k];
  d->qpos[root + 3] = std::cos(alpha / 2);
  d->qpos[root + 4] = std::sin(alpha / 2);
  d->qpos[root + 5] = 0;
  d->qpos[root + 6] = 0;
  for (int i = 0; i < 7; ++i) d->qpos[m->jnt_qposadr[task.physics().joint(kJoints[i])]] = hinges[i];
  for (int i = 0; i < m->nv; ++i) d->qvel[i] = velocity_scale * (i + 1) * (i % 2 ? -1 : 1);
  mju_zero(d->ctrl, m->nu);
  mj_forward(m, d);
}

void place_target(envs::MujocoTask& task, const double world[3]) {
  mjModel* m = task.physics().model();
  const int target = task.physics().geom("target");
  for (int k = 0; k < 3; ++k) m->geom_pos[3 * target + k] = world[k];
  mj_forward(m, task.physics().data());
}

// The mouth centre in the world for a torso at `position` rolled by alpha about x.
void mouth_in_world(const double position[3], double alpha, double out[3]) {
  out[0] = position[0];
  out[1] = position[1] + kMouthY * std::cos(alpha);
  out[2] = position[2] + kMouthY * std::sin(alpha);
}

TEST(Fish, SwimObservationOnConstructedStates) {
  auto env = envs::make_env("fish-swim");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 24u);
  const double position[3] = {0.05, -0.1, 0.2};
  const double alpha = 0.6;
  const double hinges[7] = {0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7};
  set_state(task, position, alpha, hinges, 0.01);
  const double target[3] = {0.3, -0.2, 0.15};
  place_target(task, target);
  std::vector<double> obs;
  task.observe(obs);
  ASSERT_EQ(obs.size(), 24u);
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(obs[i], hinges[i], 1e-12) << kJoints[i];
  EXPECT_NEAR(obs[7], std::cos(alpha), 1e-12);
  // Target relative to the mouth, in the torso frame (rotate back by -alpha about x) ...
  const double rel[3] = {target[0] - position[0], target[1] - position[1], target[2] - position[2]};
  const double body[3] = {rel[0], std::cos(alpha) * rel[1] + std::sin(alpha) * rel[2] - kMouthY,
                          -std::sin(alpha) * rel[1] + std::cos(alpha) * rel[2]};
  // ... then in the mouth capsule's frame. MuJoCo points a fromto geom's z axis from `to` to
  // `from`, here along the torso's +y, so the frame is the torso's turned by -90 deg about x.
  EXPECT_NEAR(obs[8], body[0], 1e-9);
  EXPECT_NEAR(obs[9], -body[2], 1e-9);
  EXPECT_NEAR(obs[10], body[1], 1e-9);
  for (int i = 0; i < 13; ++i) EXPECT_NEAR(obs[11 + i], 0.01 * (i + 1) * (i % 2 ? -1 : 1), 1e-12);
}

TEST(Fish, UprightObservationHasNoTarget) {
  auto env = envs::make_env("fish-upright");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  ASSERT_EQ(observation.size(), 21u);
  const double position[3] = {0, 0, 0.1};
  const double hinges[7] = {-0.1, 0.2, -0.3, 0.4, -0.5, 0.6, -0.7};
  set_state(task, position, 2.0, hinges, 0.5);
  std::vector<double> obs;
  task.observe(obs);
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(obs[i], hinges[i], 1e-12);
  EXPECT_NEAR(obs[7], std::cos(2.0), 1e-12);
  for (int i = 0; i < 13; ++i) EXPECT_NEAR(obs[8 + i], 0.5 * (i + 1) * (i % 2 ? -1 : 1), 1e-12);
}

TEST(Fish, SwimRewardOnConstructedStates) {
  auto env = envs::make_env("fish-swim");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double position[3] = {-0.1, 0.1, 0.2};
  const double hinges[7] = {0, 0, 0, 0, 0, 0, 0};
  const double radii = 0.005 + 0.04, margin = 2 * radii;
  struct Case {
    double alpha, distance, in_target;
  };
  for (const Case c : {Case{0.0, 0.0, 1.0}, Case{0.4, 0.03, 1.0}, Case{1.0, radii, 1.0},
                       Case{2.0, radii + margin / 2, std::pow(0.1, 0.25)},
                       Case{-0.5, radii + margin, 0.1}, Case{M_PI, radii + 3 * margin, 1e-9}}) {
    set_state(task, position, c.alpha, hinges, 0.0);
    double mouth[3];
    mouth_in_world(position, c.alpha, mouth);
    // Any direction: the distance is rotation invariant.
    const double direction[3] = {2.0 / 3, -1.0 / 3, 2.0 / 3};
    double target[3];
    for (int k = 0; k < 3; ++k) target[k] = mouth[k] + c.distance * direction[k];
    place_target(task, target);
    const double upright = (std::cos(c.alpha) + 1) / 2;
    const double expected = (7 * c.in_target + upright) / 8;
    EXPECT_NEAR(task.current_reward(), expected, 1e-8) << "distance " << c.distance;
  }
  // Far away and upside down: only the tiny gaussian tail remains.
  set_state(task, position, M_PI, hinges, 0.0);
  const double far[3] = {2, 2, 2};
  place_target(task, far);
  EXPECT_LT(task.current_reward(), 1e-6);
}

TEST(Fish, UprightRewardOnConstructedStates) {
  auto env = envs::make_env("fish-upright");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const double position[3] = {0, 0, 0.1};
  const double hinges[7] = {0.1, 0, 0, 0, 0, 0, 0};
  for (const double alpha : {0.0, 0.3, M_PI / 2, 2.5, M_PI}) {
    set_state(task, position, alpha, hinges, 0.1);
    const double zz = std::cos(alpha);
    EXPECT_NEAR(task.current_reward(), std::pow(0.1, (1 - zz) * (1 - zz)), 1e-9) << alpha;
  }
  set_state(task, position, 0.0, hinges, 0.0);
  EXPECT_NEAR(task.current_reward(), 1.0, 1e-12);
}

TEST(Fish, InitialStatesFollowTheTaskDistributions) {
  for (const bool swim : {true, false}) {
    auto env = envs::make_env(swim ? "fish-swim" : "fish-upright");
    auto& task = test::as_mujoco(*env);
    const mjModel* m = task.physics().model();
    const mjData* d = task.physics().data();
    const int root = m->jnt_qposadr[task.physics().joint("root")];
    const int target = task.physics().geom("target");
    std::vector<double> observation;
    env->seed(21);
    int negative_components = 0;
    double target_min[3] = {1, 1, 1}, target_max[3] = {-1, -1, -1};
    for (int episode = 0; episode < 200; ++episode) {
      env->reset(observation);
      EXPECT_NEAR(d->qpos[root + 0], 0.0, 1e-15);
      EXPECT_NEAR(d->qpos[root + 1], 0.0, 1e-15);
      EXPECT_NEAR(d->qpos[root + 2], 0.1, 1e-15);
      double norm = 0;
      for (int k = 3; k < 7; ++k) {
        norm += d->qpos[root + k] * d->qpos[root + k];
        negative_components += d->qpos[root + k] < 0;
      }
      EXPECT_NEAR(norm, 1.0, 1e-12);
      for (const char* joint : kJoints)
        EXPECT_LE(std::abs(d->qpos[m->jnt_qposadr[task.physics().joint(joint)]]), 0.2);
      for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
      for (int k = 0; k < 3; ++k) {
        target_min[k] = std::min(target_min[k], m->geom_pos[3 * target + k]);
        target_max[k] = std::max(target_max[k], m->geom_pos[3 * target + k]);
      }
      if (!swim) {
        EXPECT_EQ(m->geom_rgba[4 * target + 3], 0.0f);
      }
    }
    // Normal draws: about half of the quaternion components are negative (unlike U(0, 1)).
    EXPECT_GT(negative_components, 300);
    EXPECT_LT(negative_components, 500);
    if (swim) {
      EXPECT_GE(target_min[0], -0.4);
      EXPECT_LE(target_max[0], 0.4);
      EXPECT_LT(target_min[0], -0.3);
      EXPECT_GT(target_max[0], 0.3);
      EXPECT_GE(target_min[1], -0.4);
      EXPECT_LE(target_max[1], 0.4);
      EXPECT_LT(target_min[1], -0.3);
      EXPECT_GT(target_max[1], 0.3);
      EXPECT_GE(target_min[2], 0.1);
      EXPECT_LE(target_max[2], 0.3);
      EXPECT_LT(target_min[2], 0.12);
      EXPECT_GT(target_max[2], 0.28);
    } else {
      // The upright task leaves the target where the model puts it.
      EXPECT_DOUBLE_EQ(target_min[1], 0.4);
      EXPECT_DOUBLE_EQ(target_max[1], 0.4);
    }
  }
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Fish, "fish.xml", 10);
}  // namespace rfm::test
