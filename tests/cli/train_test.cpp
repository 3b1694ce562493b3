// rfm train / eval as a user runs them: resuming gives the CSVs of an uninterrupted run (also after
// a kill -9), evaluation of a checkpoint reproduces the trainer's last evaluation, and bad input
// ends with one message, a non-zero exit and the run folder untouched.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "cli_support.h"
#include "rfm/rl/device.h"
#include "rfm/util/error.h"
#include "scratch_folder.h"

namespace rfm::test {
namespace {

namespace fs = std::filesystem;

// A small but complete configuration: warm-up, updates, two evaluations and two checkpoints within
// 600 steps of cartpole-balance (whose episodes last 1000 steps, so checkpoints fall mid-episode).
const std::string kTinyRun =
    "--task cartpole-balance --seed 3 --set trainer.warmup_steps=200 --set trainer.batch_size=32 "
    "--set trainer.eval_every=300 --set trainer.eval_episodes=2 --set trainer.checkpoint_every=300 "
    "--set trainer.log_every=100 --set rfm.mc_samples=8 --set rfm.particles=2 "
    "--set rfm.ode_steps=2";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CSV without its wall-clock columns (those ending in _s or _ms).
std::string deterministic_columns(const fs::path& path) {
  std::istringstream in(read_file(path));
  std::string line, kept;
  std::vector<bool> keep;
  bool header = true;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string field;
    for (std::size_t column = 0; std::getline(fields, field, ','); ++column) {
      if (header) {
        const bool wall = (field.size() > 2 && field.compare(field.size() - 2, 2, "_s") == 0) ||
                          (field.size() > 3 && field.compare(field.size() - 3, 3, "_ms") == 0);
        keep.push_back(!wall);
      }
      if (column < keep.size() && keep[column]) kept += field + ",";
    }
    kept += "\n";
    header = false;
  }
  return kept;
}

// Every file under a folder with its contents, to show that a failed command changed nothing.
std::map<std::string, std::string> snapshot(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) files[entry.path().string()] = read_file(entry.path());
  return files;
}

// Whether this build's LibTorch sees a GPU (never on a CPU-only LibTorch).
bool cuda_visible() {
  try {
    rfm::rl::parse_device("cuda");
    return true;
  } catch (const rfm::Error&) {
    return false;
  }
}

class CliTrain : public ::testing::Test {
 protected:
  // Runs `rfm <arguments>` and expects success.
  std::string ok(const std::string& arguments) {
    const auto result = run_rfm(arguments);
    EXPECT_EQ(result.exit_code, 0) << arguments << "\n" << result.output;
    return result.output;
  }
  // Runs `rfm <arguments>` and expects exit 1 with `cause` in one "rfm: error:" line.
  void fails(const std::string& arguments, const std::string& cause) {
    const auto result = run_rfm(arguments);
    EXPECT_EQ(result.exit_code, 1) << arguments << "\n" << result.output;
    EXPECT_EQ(count_lines(result.output), 1) << result.output;
    EXPECT_EQ(result.output.rfind("rfm: error:", 0), 0u) << result.output;
    EXPECT_NE(result.output.find(cause), std::string::npos)
        << "expected '" << cause << "' in: " << result.output;
  }
  std::string dir(const std::string& name) const { return (root_ / name).string(); }

  const ScratchFolder scratch_{"rfm_train"};
  const fs::path root_ = scratch_.path();
};

TEST_F(CliTrain, ResumeGivesTheCsvsOfAnUninterruptedRun) {
  ok("train " + kTinyRun + " --steps 600 --out " + dir("straight"));
  ok("train " + kTinyRun + " --steps 300 --out " + dir("resumed"));
  ok("train --resume " + dir("resumed") + " --steps 600");
  for (const char* csv : {"train.csv", "eval.csv"}) {
    const std::string straight = deterministic_columns(root_ / "straight" / csv);
    EXPECT_EQ(count_lines(straight), csv == std::string("train.csv") ? 7 : 3);
    EXPECT_EQ(straight, deterministic_columns(root_ / "resumed" / csv)) << csv;
  }
  // The checkpoint holds the evaluated agent: eval reproduces the last evaluation row.
  std::istringstream eval_rows(read_file(root_ / "straight" / "eval.csv"));
  std::string line, last;
  while (std::getline(eval_rows, line)) last = line;
  const std::string mean = last.substr(last.find(',') + 1, last.find(',', last.find(',') + 1) -
                                                               last.find(',') - 1);
  const std::string evaluated = ok("eval --run " + dir("straight"));
  EXPECT_NE(evaluated.find("step 600"), std::string::npos) << evaluated;
  char expected[64];
  std::snprintf(expected, sizeof expected, "return %.3f", std::stod(mean));
  EXPECT_NE(evaluated.find(expected), std::string::npos) << evaluated << " vs " << mean;
}

TEST_F(CliTrain, ResumeAfterKillMinusNineGivesTheSameCsvs) {
  ok("train " + kTinyRun + " --steps 600 --out " + dir("straight"));
  // Start a run, kill it hard once it has written its first checkpoint, then resume it.
  const std::string killed = dir("killed");
  const std::string script = "( " + std::string(RFM_BINARY) + " train " + kTinyRun +
                             " --steps 600 --out " + killed + " >/dev/null 2>&1 & pid=$!; " +
                             "while [ ! -f " + killed + "/checkpoint/state.bin ]; do sleep 0.02; "
                             "done; kill -9 $pid; wait $pid )";
  ASSERT_EQ(std::system(("bash -c '" + script + "'").c_str()) == -1, false);
  ok("train --resume " + killed);
  for (const char* csv : {"train.csv", "eval.csv"})
    EXPECT_EQ(deterministic_columns(root_ / "straight" / csv),
              deterministic_columns(root_ / "killed" / csv))
        << csv;
}

TEST_F(CliTrain, BadSettingsLeaveNoRunFolder) {
  fails("train --algo nope --out " + dir("a"), "unknown algorithm 'nope'");
  fails("train --preset nope --out " + dir("a"), "unknown preset 'nope'");
  fails("train --set rfm.nope=1 --out " + dir("a"), "unknown config key 'rfm.nope'");
  fails("train --set rfm.particles=many --out " + dir("a"), "rfm.particles");
  fails("train --set rfm.particles=0 --out " + dir("a"), "rfm.particles");
  fails("train --set rfm.estimator=best --out " + dir("a"), "unknown estimator 'best'");
  fails("train --task cartpole-swingupp --out " + dir("a"), "cartpole-swingupp");
  fails("train --resume " + dir("missing"), "does not exist");
  fails("--device gpu train --out " + dir("a"), "'gpu' is not a device (valid: cpu, cuda, cuda:N)");
  fails("train --device cuda:x --out " + dir("a"), "'cuda:x' is not a device");
  if (!cuda_visible())
    fails("train --device cuda --out " + dir("a"), "LibTorch sees no CUDA device");
  EXPECT_FALSE(fs::exists(root_ / "a"));
}

TEST_F(CliTrain, ForeignOrTruncatedCheckpointsAreRefusedWithoutDamage) {
  ok("--device cpu train " + kTinyRun + " --steps 300 --out " + dir("cartpole"));
  ok("train --task bandit-bimodal --set trainer.warmup_steps=50 --set trainer.eval_every=100 "
     "--set trainer.eval_episodes=2 --set trainer.log_every=50 --set trainer.batch_size=16 "
     "--set rfm.mc_samples=4 --set rfm.particles=2 --set rfm.ode_steps=2 --steps 100 --out " +
     dir("bandit"));
  const fs::path state = root_ / "bandit" / "checkpoint" / "state.bin";
  const std::string own = read_file(state);
  // Another task's checkpoint in this run folder.
  fs::copy_file(root_ / "cartpole" / "checkpoint" / "state.bin", state,
                fs::copy_options::overwrite_existing);
  auto before = snapshot(root_ / "bandit");
  fails("train --resume " + dir("bandit") + " --steps 200", "task 'cartpole-balance'");
  fails("eval --run " + dir("bandit"), "task 'cartpole-balance'");
  EXPECT_EQ(before, snapshot(root_ / "bandit"));
  // Its own checkpoint cut short.
  std::ofstream(state, std::ios::binary | std::ios::trunc) << own.substr(0, own.size() / 2);
  before = snapshot(root_ / "bandit");
  fails("train --resume " + dir("bandit") + " --steps 200", "truncated");
  EXPECT_EQ(before, snapshot(root_ / "bandit"));
  // A finished run without a larger --steps, and options that the folder already fixes.
  std::ofstream(state, std::ios::binary | std::ios::trunc) << own;
  before = snapshot(root_ / "bandit");
  fails("train --resume " + dir("bandit"), "already at step 100");
  fails("train --resume " + dir("bandit") + " --task cheetah-run", "--task cannot be combined");
  // An existing run is never overwritten by a new one.
  fails("train --task bandit-bimodal --out " + dir("bandit"), "already holds a run");
  EXPECT_EQ(before, snapshot(root_ / "bandit"));
  // A damaged eval.csv is reported before either CSV is rewritten.
  std::ofstream(root_ / "bandit" / "eval.csv", std::ios::app) << "garbage,1\n";
  before = snapshot(root_ / "bandit");
  fails("train --resume " + dir("bandit") + " --steps 200", "does not start with a step");
  EXPECT_EQ(before, snapshot(root_ / "bandit"));
}

}  // namespace
}  // namespace rfm::test
