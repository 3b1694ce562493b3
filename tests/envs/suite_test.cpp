// Properties every task must have: sizes, reward range, determinism, input checking, and the same
// behaviour on DeepMind Control's own model files through --model-dir.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "rfm/envs/registry.h"
#include "rfm/util/error.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm {
namespace {

class EveryTask : public ::testing::TestWithParam<std::string> {};

// Runs `steps` random-action steps and returns the visited observations and rewards.
std::vector<double> random_trace(envs::Env& env, std::uint64_t seed, int steps) {
  const auto& spec = env.spec();
  Rng rng(seed + 1000);
  std::vector<double> trace, observation, action(spec.action_size);
  env.reset(seed, observation);
  trace.insert(trace.end(), observation.begin(), observation.end());
  for (int i = 0; i < steps; ++i) {
    envs::draw_uniform_action(spec, rng, action);
    const auto outcome = env.step(action, observation);
    trace.push_back(outcome.reward);
    trace.insert(trace.end(), observation.begin(), observation.end());
    if (outcome.terminal || outcome.truncated) env.reset(observation);
  }
  return trace;
}

TEST_P(EveryTask, SizesRewardRangeAndTruncation) {
  auto env = envs::make_env(GetParam());
  const auto& spec = env->spec();
  EXPECT_GT(spec.observation_size, 0);
  EXPECT_EQ(static_cast<int>(spec.action_lower.size()), spec.action_size);
  EXPECT_EQ(static_cast<int>(spec.action_upper.size()), spec.action_size);
  Rng rng(3);
  std::vector<double> observation, action(spec.action_size);
  env->seed(11);
  env->reset(observation);
  ASSERT_EQ(static_cast<int>(observation.size()), spec.observation_size);
  const int steps = std::min(spec.episode_steps, 300);
  for (int i = 0; i < steps; ++i) {
    envs::draw_uniform_action(spec, rng, action);
    const auto outcome = env->step(action, observation);
    ASSERT_EQ(static_cast<int>(observation.size()), spec.observation_size);
    ASSERT_GE(outcome.reward, 0.0);
    ASSERT_LE(outcome.reward, 1.0);
    for (double x : observation) ASSERT_TRUE(std::isfinite(x));
    if (spec.episode_steps > 1) {
      // DeepMind Control tasks never terminate; the last step is a truncation.
      ASSERT_FALSE(outcome.terminal);
      ASSERT_EQ(outcome.truncated, i + 1 == spec.episode_steps);
    }
  }
}

TEST_P(EveryTask, SameSeedSameSequenceDifferentSeedDifferentStart) {
  auto env = envs::make_env(GetParam());
  const auto first = random_trace(*env, 5, 120);
  const auto second = random_trace(*env, 5, 120);
  EXPECT_EQ(first, second);
  auto other_env = envs::make_env(GetParam());
  EXPECT_EQ(random_trace(*other_env, 5, 120), first);
  // Another seed starts elsewhere: every task draws its initial state (the bandits, whose
  // observation is constant, have one-step episodes).
  if (env->spec().episode_steps > 1) {
    const auto other = random_trace(*env, 6, 0);
    const auto size = static_cast<std::ptrdiff_t>(env->spec().observation_size);
    EXPECT_FALSE(std::equal(first.begin(), first.begin() + size, other.begin())) << GetParam();
  }
}

TEST_P(EveryTask, RejectsActionsOfTheWrongSizeOrNotFinite) {
  auto env = envs::make_env(GetParam());
  const auto& spec = env->spec();
  std::vector<double> observation;
  env->reset(1, observation);
  std::vector<double> too_long(spec.action_size + 1, 0.0);
  EXPECT_THROW(env->step(too_long, observation), Error);
  std::vector<double> with_nan(spec.action_size, 0.0);
  with_nan[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(env->step(with_nan, observation), Error);
  with_nan[0] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(env->step(with_nan, observation), Error);
  // A valid action still works afterwards.
  EXPECT_NO_THROW(env->step(std::vector<double>(spec.action_size, 0.0), observation));
}

TEST_P(EveryTask, OriginalModelFilesGiveTheSameEpisodes) {
  RFM_SKIP_WITHOUT_SHARED_DMC();
  if (GetParam() == "bandit-bimodal") GTEST_SKIP() << "no model file";
  auto ours = envs::make_env(GetParam());
  auto original = envs::make_env(GetParam(), test::shared_dmc_dir());
  const auto a = random_trace(*ours, 9, 150);
  const auto b = random_trace(*original, 9, 150);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], 1e-6 * std::max(1.0, std::abs(b[i]))) << "entry " << i;
}

INSTANTIATE_TEST_SUITE_P(AllTasks, EveryTask, ::testing::ValuesIn(envs::task_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(Registry, UnknownTaskSuggestsClosestNames) {
  try {
    envs::make_env("cheetah-runn");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("unknown task 'cheetah-runn'"), std::string::npos) << message;
    EXPECT_NE(message.find("cheetah-run"), std::string::npos) << message;
  }
  EXPECT_EQ(envs::closest_task_names("cartpole-swing", 1).at(0), "cartpole-swingup");
}

TEST(Registry, MissingModelDirectoryIsAClearError) {
  try {
    envs::make_env("cartpole-swingup", "/nonexistent/models");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load model"), std::string::npos) << e.what();
  }
}

TEST(Registry, EveryRequestedTaskIsRegisteredOnce) {
  auto names = envs::task_names();
  const std::vector<std::string> expected = {
      "cheetah-run",     "cartpole-swingup",  "fish-swim",        "fish-upright",
      "walker-walk",     "walker-run",        "finger-spin",      "finger-turn_hard",
      "walker-stand",    "cartpole-balance",  "finger-turn_easy", "hopper-stand",
      "hopper-hop",      "reacher-easy",      "reacher-hard",     "pendulum-swingup",
      "acrobot-swingup", "ball_in_cup-catch", "point_mass-easy",  "swimmer-swimmer6",
      "quadruped-walk",  "quadruped-run",     "humanoid-stand",   "humanoid-walk",
      "humanoid-run",    "bandit-bimodal"};
  EXPECT_EQ(names.size(), expected.size());
  std::sort(names.begin(), names.end());
  auto sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  EXPECT_EQ(names, sorted_expected);
}

TEST(Registry, ThePapersEightTasksComeFirst) {
  const auto names = envs::task_names();
  const std::vector<std::string> paper = {"cheetah-run",  "cartpole-swingup", "fish-swim",
                                          "fish-upright", "walker-walk",      "walker-run",
                                          "finger-spin",  "finger-turn_hard"};
  std::size_t position = 0;
  for (const auto& task : paper) {
    auto it = std::find(names.begin(), names.end(), task);
    ASSERT_NE(it, names.end()) << task << " is not registered";
    EXPECT_EQ(static_cast<std::size_t>(it - names.begin()), position) << task;
    ++position;
  }
}

}  // namespace
}  // namespace rfm
