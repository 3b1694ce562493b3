// The rfm program's task commands, run as a user would: output, exit codes, one-line errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_support.h"
#include "scratch_folder.h"

namespace rfm::test {
namespace {

// The per-episode lines of a rollout up to " over": the returns, without the timing-dependent
// rates.
std::string episode_returns(const std::string& output) {
  std::string kept;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("episode", 0) == 0) kept += line.substr(0, line.find(" over")) + "\n";
  return kept;
}

TEST(CliTasks, ListsEveryTaskWithSizes) {
  const auto result = run_rfm("tasks");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("cartpole-swingup"), std::string::npos);
  EXPECT_NE(result.output.find("bandit-bimodal"), std::string::npos);
  // cartpole: 5 observations, 1 action, 0.01 s, 1000 steps.
  std::istringstream lines(result.output);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name, dt;
    int obs = 0, act = 0, steps = 0;
    if (fields >> name >> obs >> act >> dt >> steps && name == "cartpole-swingup") {
      EXPECT_EQ(obs, 5);
      EXPECT_EQ(act, 1);
      EXPECT_EQ(dt, "0.01");
      EXPECT_EQ(steps, 1000);
      found = true;
    }
  }
  EXPECT_TRUE(found) << result.output;
}

TEST(CliRollout, PrintsEachEpisodeAndIsReproducible) {
  const auto first = run_rfm("rollout --task cartpole-swingup --episodes 2 --seed 3");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("episode 1: return"), std::string::npos);
  EXPECT_NE(first.output.find("episode 2: return"), std::string::npos);
  EXPECT_NE(first.output.find("steps/s"), std::string::npos);
  const auto second = run_rfm("rollout --task cartpole-swingup --episodes 2 --seed 3");
  // Returns (not rates) must match.
  EXPECT_EQ(episode_returns(first.output), episode_returns(second.output));
  const auto other_seed = run_rfm("rollout --task cartpole-swingup --episodes 2 --seed 4");
  EXPECT_NE(episode_returns(first.output), episode_returns(other_seed.output));
}

TEST(CliRollout, ZeroPolicyAndCsv) {
  const ScratchFolder scratch("rfm_rollout");
  const std::string csv = scratch / "rollout_zero.csv";
  const auto result =
      run_rfm("rollout --task cartpole-balance --policy zero --episodes 2 --seed 1 --csv " + csv);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "episode,return,steps,steps_per_second");
  int rows = 0;
  for (std::string row; std::getline(in, row);) ++rows;
  EXPECT_EQ(rows, 2);
}

TEST(CliRollout, UnknownTaskIsOneClearLineAndNonZeroExit) {
  const auto result = run_rfm("rollout --task cartpole-swingupp");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(count_lines(result.output), 1) << result.output;
  EXPECT_NE(result.output.find("unknown task 'cartpole-swingupp'"), std::string::npos);
  EXPECT_NE(result.output.find("cartpole-swingup"), std::string::npos);
}

TEST(CliRollout, BadModelDirectoryIsOneClearLine) {
  const auto result = run_rfm("rollout --task cartpole-swingup --model-dir /nonexistent");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(count_lines(result.output), 1) << result.output;
  EXPECT_NE(result.output.find("cannot load model"), std::string::npos) << result.output;
}

TEST(CliRollout, ModelThatDoesNotParseIsOneClearLine) {
  const ScratchFolder scratch("rfm_broken_models");
  const std::string dir = scratch.path().string();
  std::ofstream(dir + "/cartpole.xml") << "<mujoco><worldbody><body></mujoco>";
  const auto result = run_rfm("rollout --task cartpole-swingup --model-dir " + dir);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(count_lines(result.output), 1) << result.output;
  EXPECT_NE(result.output.find("cannot load model"), std::string::npos) << result.output;
}

TEST(CliRollout, ModelDirLoadsDeepMindControlsOwnFiles) {
  const std::string dmc = RFM_SHARED_DMC_DIR;
  if (std::system(("test -f " + dmc + "/cheetah.xml").c_str()) != 0)
    GTEST_SKIP() << "../shared/dmc not found at " << dmc;
  for (const char* task : {"cheetah-run", "walker-walk", "finger-turn_hard"}) {
    const std::string args = std::string("rollout --task ") + task + " --episodes 1 --seed 2";
    const auto ours = run_rfm(args);
    const auto original = run_rfm(args + " --model-dir " + dmc);
    const auto from_environment = run_rfm(args, "RFM_MODEL_DIR=" + dmc);
    ASSERT_EQ(original.exit_code, 0) << original.output;
    EXPECT_FALSE(episode_returns(original.output).empty());
    EXPECT_EQ(episode_returns(ours.output), episode_returns(original.output)) << task;
    EXPECT_EQ(episode_returns(from_environment.output), episode_returns(original.output)) << task;
    // The environment variable really is read: a bad directory there fails.
    EXPECT_NE(run_rfm(args, "RFM_MODEL_DIR=/nonexistent").exit_code, 0);
  }
}

TEST(CliRollout, BadArgumentsAreRejected) {
  EXPECT_NE(run_rfm("rollout --task cartpole-swingup --policy greedy").exit_code, 0);
  EXPECT_NE(run_rfm("rollout --task cartpole-swingup --episodes 0").exit_code, 0);
  EXPECT_NE(run_rfm("rollout").exit_code, 0);
}

}  // namespace
}  // namespace rfm::test
