// walker: observation and reward on constructed states, computed independently from
// docs/tasks.md 3.2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model_parity.h"
#include "rfm/envs/registry.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm {
namespace {

// qpos/qvel order: rootz, rootx, rooty, right hip/knee/ankle, left hip/knee/ankle.
struct State {
  double qpos[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  double qvel[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
};

std::pair<std::vector<double>, double> evaluate(envs::MujocoTask& task, const State& s) {
  const mjModel* m = task.physics().model();
  mjData* d = task.physics().data();
  std::copy(s.qpos, s.qpos + 9, d->qpos);
  std::copy(s.qvel, s.qvel + 9, d->qvel);
  mj_forward(m, d);
  std::vector<double> observation;
  task.observe(observation);
  return {observation, task.current_reward()};
}

double gaussian_below(double x, double bound, double margin) {
  if (x >= bound) return 1.0;
  const double distance = (bound - x) / margin;
  return std::pow(0.1, distance * distance);
}

TEST(Walker, SpecMatchesTheTasks) {
  for (const char* name : {"walker-stand", "walker-walk", "walker-run"}) {
    auto env = envs::make_env(name);
    const auto& spec = env->spec();
    EXPECT_EQ(spec.observation_size, 24) << name;
    EXPECT_EQ(spec.action_size, 6) << name;
    EXPECT_NEAR(spec.control_timestep, 0.025, 1e-15) << name;
    EXPECT_EQ(test::as_mujoco(*env).substeps(), 10) << name;
    EXPECT_EQ(spec.episode_steps, 1000) << name;
  }
}

TEST(Walker, ObservationIsPlanarOrientationsHeightAndVelocity) {
  auto env = envs::make_env("walker-walk");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  State s;
  const double rootz = -0.2, pitch = 0.4;
  const double right[3] = {0.3, -0.9, 0.2}, left[3] = {1.1, -0.3, -0.5};
  s.qpos[0] = rootz;
  s.qpos[1] = 0.7;
  s.qpos[2] = pitch;
  for (int k = 0; k < 3; ++k) {
    s.qpos[3 + k] = right[k];
    s.qpos[6 + k] = left[k];
  }
  for (int i = 0; i < 9; ++i) s.qvel[i] = 0.3 * i - 1.0;
  const auto [obs, reward] = evaluate(task, s);
  (void)reward;
  ASSERT_EQ(obs.size(), 24u);
  // Every body rotates about the world y axis; the torso by the root pitch, the leg segments by
  // the pitch minus the accumulated leg angles (the leg hinges turn about -y).
  double angles[7];
  angles[0] = pitch;
  double right_angle = pitch, left_angle = pitch;
  for (int k = 0; k < 3; ++k) {
    right_angle -= right[k];
    left_angle -= left[k];
    angles[1 + k] = right_angle;
    angles[4 + k] = left_angle;
  }
  for (int b = 0; b < 7; ++b) {
    EXPECT_NEAR(obs[2 * b], std::cos(angles[b]), 1e-9) << "body " << b << " xx";
    EXPECT_NEAR(obs[2 * b + 1], std::sin(angles[b]), 1e-9) << "body " << b << " xz";
  }
  EXPECT_NEAR(obs[14], 1.3 + rootz, 1e-12);  // torso frame origin height
  for (int i = 0; i < 9; ++i) EXPECT_EQ(obs[15 + i], s.qvel[i]) << i;
}

TEST(Walker, RewardsOnConstructedStates) {
  struct Case {
    double rootz, pitch, vx;
  };
  const Case cases[] = {{0.0, 0.0, 0.0},   {-0.1, 0.2, 0.5},    {-0.3, 1.0, 1.0},
                        {-0.7, 2.5, 4.0},  {-1.2, -3.0, 9.0},   {0.2, 0.0, -2.0},
                        {-0.4, -0.6, 8.0}, {-0.1, 3.14159, 0.2}};
  for (const auto& [name, speed] : {std::pair<const char*, double>{"walker-stand", 0.0},
                                    {"walker-walk", 1.0},
                                    {"walker-run", 8.0}}) {
    auto env = envs::make_env(name);
    auto& task = test::as_mujoco(*env);
    std::vector<double> observation;
    env->reset(0, observation);
    for (const Case& c : cases) {
      State s;
      s.qpos[0] = c.rootz;
      s.qpos[2] = c.pitch;
      s.qvel[1] = c.vx;  // pure translation: the centre of mass moves at the rootx speed
      const double height = 1.3 + c.rootz;
      const double standing = gaussian_below(height, 1.2, 0.6);
      const double upright = (1 + std::cos(c.pitch)) / 2;
      const double stand = (3 * standing + upright) / 4;
      double expected = stand;
      if (speed > 0) {
        const double move = std::clamp(c.vx / speed, 0.0, 1.0);
        expected = stand * (5 * move + 1) / 6;
      }
      EXPECT_NEAR(evaluate(task, s).second, expected, 1e-9)
          << name << " rootz " << c.rootz << " pitch " << c.pitch << " vx " << c.vx;
    }
  }
  // Edge cases: upright at the stand height and at the target speed gives exactly 1; the stand
  // task ignores speed; a walker standing still gets 1/6 of the stand reward in walk and run.
  auto walk = envs::make_env("walker-walk");
  auto& walk_task = test::as_mujoco(*walk);
  std::vector<double> observation;
  walk->reset(0, observation);
  State s;
  s.qpos[0] = -0.1;  // height exactly 1.2
  s.qvel[1] = 1.0;
  EXPECT_NEAR(evaluate(walk_task, s).second, 1.0, 1e-12);
  s.qvel[1] = 0.0;
  EXPECT_NEAR(evaluate(walk_task, s).second, 1.0 / 6.0, 1e-12);
  auto stand = envs::make_env("walker-stand");
  auto& stand_task = test::as_mujoco(*stand);
  stand->reset(0, observation);
  s.qvel[1] = -5.0;
  EXPECT_NEAR(evaluate(stand_task, s).second, 1.0, 1e-12);
  // Upside down at the stand height: upright 0, standing 1 -> 3/4.
  s.qpos[2] = M_PI;
  EXPECT_NEAR(evaluate(stand_task, s).second, 0.75, 1e-12);
  // One margin (0.6 m) below the stand height: standing 0.1.
  s.qpos[2] = 0.0;
  s.qpos[0] = -0.7;
  EXPECT_NEAR(evaluate(stand_task, s).second, (3 * 0.1 + 1) / 4, 1e-12);
}

TEST(Walker, RewardUsesTheWholeBodyCentreOfMassSpeed) {
  // Swinging a leg forward moves the centre of mass while the torso is still.
  auto env = envs::make_env("walker-walk");
  auto& task = test::as_mujoco(*env);
  std::vector<double> observation;
  env->reset(0, observation);
  const mjModel* m = task.physics().model();
  State s;
  s.qpos[0] = -0.1;
  s.qvel[3] = 4.0;  // the right hip turns about -y: the hanging leg swings towards +x ...
  const double reward = evaluate(task, s).second;
  // ... so the subtree velocity is the thigh/leg/foot mass times their x speeds over total mass.
  mjData* d = task.physics().data();
  double moment = 0, mass = 0;
  for (int b = 1; b < m->nbody; ++b) {
    mass += m->body_mass[b];
    moment += m->body_mass[b] * d->xipos[3 * b];
  }
  const double x0 = moment / mass;
  const double eps = 1e-7;
  d->qpos[3] += eps * s.qvel[3];
  mj_kinematics(m, d);
  moment = 0;
  for (int b = 1; b < m->nbody; ++b) moment += m->body_mass[b] * d->xipos[3 * b];
  const double vx = (moment / mass - x0) / eps;
  ASSERT_GT(vx, 0.05);
  ASSERT_LT(vx, 0.95);
  EXPECT_NEAR(reward, (5 * std::clamp(vx, 0.0, 1.0) + 1) / 6, 1e-5);
}

TEST(Walker, InitialStatesFollowTheGenericRandomiser) {
  auto env = envs::make_env("walker-run");
  auto& task = test::as_mujoco(*env);
  const mjModel* m = task.physics().model();
  std::vector<double> observation;
  env->seed(5);
  double min_pitch = 10, max_pitch = -10;
  for (int episode = 0; episode < 200; ++episode) {
    env->reset(observation);
    const mjData* d = task.physics().data();
    EXPECT_EQ(d->qpos[0], 0.0);  // rootz
    EXPECT_EQ(d->qpos[1], 0.0);  // rootx
    min_pitch = std::min(min_pitch, d->qpos[2]);
    max_pitch = std::max(max_pitch, d->qpos[2]);
    EXPECT_LE(std::abs(d->qpos[2]), M_PI);
    for (int j = 3; j < 9; ++j) {
      EXPECT_GE(d->qpos[j], m->jnt_range[2 * j]);
      EXPECT_LE(d->qpos[j], m->jnt_range[2 * j + 1]);
    }
    for (int i = 0; i < m->nv; ++i) EXPECT_EQ(d->qvel[i], 0.0);
    EXPECT_EQ(d->time, 0.0);
    EXPECT_EQ(observation[14], 1.3);
  }
  // rooty is drawn over the whole circle.
  EXPECT_LT(min_pitch, -2.8);
  EXPECT_GT(max_pitch, 2.8);
}

}  // namespace
}  // namespace rfm

namespace rfm::test {
RFM_MODEL_PARITY(Walker, "walker.xml", 10);
}  // namespace rfm::test
