// rfm train / eval as a user runs them: resuming gives the CSVs of an uninterrupted run (after a
// kill -9, a Ctrl-C, a full disk), a run killed before its first checkpoint starts again with
// --restart, evaluation of a checkpoint reproduces the trainer's last evaluation, and bad input or
// a damaged checkpoint ends with one message, a non-zero exit and the run folder untouched.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <torch/version.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <vector>

#include "cli_support.h"
#include "rfm/rl/device.h"
#include "rfm/rl/run_folder.h"
#include "rfm/rl/trainer.h"
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
  // config.toml: floats in their shortest form, and where the run came from.
  // (A leading line break, so that every table starts with one, the first too.)
  const std::string config = "\n" + read_file(root_ / "straight" / "config.toml");
  EXPECT_NE(config.find("actor_learning_rate = 0.0003\n"), std::string::npos) << config;
  for (const char* key : {"[provenance]", "rfm_commit = ", "libtorch = ", "mujoco = ", "blas = ",
                          "threads = ", "device = ", "created = "})
    EXPECT_NE(config.find(std::string("\n") + key), std::string::npos) << key << "\n" << config;
  EXPECT_NE(config.find("libtorch = '" + std::to_string(TORCH_VERSION_MAJOR)), std::string::npos);
  EXPECT_NE(config.find("device = 'cpu'"), std::string::npos) << config;
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
  const std::string mean =
      last.substr(last.find(',') + 1, last.find(',', last.find(',') + 1) - last.find(',') - 1);
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
                             "while [ ! -f " + killed +
                             "/checkpoint/state.bin ]; do sleep 0.02; "
                             "done; kill -9 $pid; wait $pid )";
  ASSERT_EQ(std::system(("bash -c '" + script + "'").c_str()) == -1, false);
  ok("train --resume " + killed);
  for (const char* csv : {"train.csv", "eval.csv"})
    EXPECT_EQ(deterministic_columns(root_ / "straight" / csv),
              deterministic_columns(root_ / "killed" / csv))
        << csv;
}

// A run folder written before rfm.source existed (config.toml without the key) resumes as the
// Gaussian-source run it was: the same CSVs as an uninterrupted run.
TEST_F(CliTrain, AFolderFromBeforeRfmSourceResumesWithTheGaussianSource) {
  ok("train " + kTinyRun + " --steps 600 --out " + dir("straight"));
  ok("train " + kTinyRun + " --steps 300 --out " + dir("old"));
  const fs::path config_path = root_ / "old" / "config.toml";
  std::string config = read_file(config_path);
  const std::string key_line = "source = 'gaussian'\n";
  const std::size_t at = config.find(key_line);
  ASSERT_NE(at, std::string::npos) << config;
  config.erase(at, key_line.size());
  std::ofstream(config_path, std::ios::binary | std::ios::trunc) << config;
  ok("train --resume " + dir("old") + " --steps 600");
  for (const char* csv : {"train.csv", "eval.csv"})
    EXPECT_EQ(deterministic_columns(root_ / "straight" / csv),
              deterministic_columns(root_ / "old" / csv))
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

// Runs a bash script and returns its exit status (what the script's last command returned).
int run_script(const std::string& script) {
  const int status = std::system(("bash -c '" + script + "'").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A script that starts `rfm train <arguments>` in the background and waits until the shell test
// `condition` holds (polling), ready for a signal to `$pid`.
std::string started_until(const std::string& arguments, const std::string& condition) {
  return std::string(RFM_BINARY) + " train " + arguments + " >/dev/null 2>&1 & pid=$!; " +
         "until " + condition + "; do kill -0 $pid 2>/dev/null || break; sleep 0.01; done; ";
}
std::string exists(const std::string& file) {
  return "[ -f " + file + " ]";
}
// The run's evaluation of step 300 is written (learning has started at 200).
std::string evaluated_at_300(const std::string& run) {
  return "grep -q ^300, " + run + "/eval.csv 2>/dev/null";
}

TEST_F(CliTrain, CtrlCSavesACheckpointAndTheResumedRunIsBitForBitTheSame) {
  // Checkpoints only at the end: the one a resume starts from is the one SIGINT made mid-interval.
  const std::string run = kTinyRun + " --set trainer.checkpoint_every=100000 --steps 900";
  ok("train " + run + " --out " + dir("straight"));
  const std::string stopped = dir("stopped");
  // SIGINT once learning has started.
  const int status =
      run_script(started_until(run + " --out " + stopped, evaluated_at_300(stopped)) +
                 "kill -INT $pid; wait $pid");
  EXPECT_EQ(status, 130);
  ASSERT_TRUE(fs::exists(root_ / "stopped" / "checkpoint" / "state.bin"));
  const std::int64_t step = rl::checkpoint_step(stopped);
  EXPECT_GT(step, 300);
  EXPECT_LT(step, 900);
  EXPECT_NE(read_file(root_ / "stopped" / "log.txt").find("stopped by SIGINT at step"),
            std::string::npos);
  ok("train --resume " + stopped);
  for (const char* csv : {"train.csv", "eval.csv"})
    EXPECT_EQ(deterministic_columns(root_ / "straight" / csv),
              deterministic_columns(root_ / "stopped" / csv))
        << csv;
  // SIGTERM does the same, with 143.
  const std::string terminated = dir("terminated");
  EXPECT_EQ(run_script(started_until(run + " --out " + terminated, evaluated_at_300(terminated)) +
                       "kill -TERM $pid; wait $pid"),
            143);
  EXPECT_GT(rl::checkpoint_step(terminated), 300);
}

TEST_F(CliTrain, ASecondCtrlCQuitsAtOnceAndKeepsTheLastCheckpoint) {
  const std::string run = kTinyRun + " --steps 100000";
  const std::string twice = dir("twice");
  // After the first checkpoint (step 300), two SIGINTs in a row.
  EXPECT_EQ(
      run_script(started_until(run + " --out " + twice, exists(twice + "/checkpoint/state.bin")) +
                 "kill -INT $pid; kill -INT $pid; wait $pid"),
      130);
  const std::int64_t step = rl::checkpoint_step(twice);  // throws if the file were damaged
  EXPECT_GE(step, 300);
  ok("train --resume " + twice + " --steps " + std::to_string(step + 100));
}

TEST_F(CliTrain, ARunKilledBeforeItsFirstCheckpointStartsAgainWithRestart) {
  const std::string run = kTinyRun + " --steps 600";
  ok("train " + run + " --out " + dir("straight"));
  const std::string killed = dir("killed");
  run_script(started_until(run + " --out " + killed, exists(killed + "/train.csv")) +
             "kill -9 $pid; wait $pid");
  ASSERT_FALSE(fs::exists(root_ / "killed" / "checkpoint" / "state.bin"));
  // Both ways in name --restart; a run with a checkpoint is not restarted.
  fails("train --resume " + killed, "rfm train --restart " + killed);
  fails("train " + run + " --out " + killed, "rfm train --restart " + killed);
  fails("train --restart " + killed + " --seed 4", "--seed cannot be combined with --restart");
  ok("train --restart " + killed);
  for (const char* csv : {"train.csv", "eval.csv"})
    EXPECT_EQ(deterministic_columns(root_ / "straight" / csv),
              deterministic_columns(root_ / "killed" / csv))
        << csv;
  fails("train --restart " + killed, "rfm train --resume " + killed);
  fails("train " + run + " --out " + killed, "rfm train --resume " + killed);
}

TEST_F(CliTrain, EveryFlippedBitOrTruncationOfACheckpointIsRefused) {
  ok("train " + kTinyRun + " --steps 300 --out " + dir("run"));
  const fs::path state = root_ / "run" / "checkpoint" / "state.bin";
  const std::string good = read_file(state);
  std::mt19937_64 random(17);
  auto load_refused = [&](const std::string& bytes, const std::string& what) {
    std::ofstream(state, std::ios::binary | std::ios::trunc) << bytes;
    try {
      rl::checkpoint_step(dir("run"));
      ADD_FAILURE() << what << " was accepted";
    } catch (const rfm::Error& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  };
  for (int i = 0; i < 100; ++i) {
    std::string damaged = good;
    const std::size_t bit = random() % (good.size() * 8);
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    load_refused(damaged, "a flip of bit " + std::to_string(bit));
  }
  for (int i = 0; i < 10; ++i)
    load_refused(good.substr(0, random() % good.size()), "a truncated checkpoint");
  // Through the program: one line each, the folder left as it is.
  std::string damaged = good;
  damaged[good.size() / 2] ^= 0x10;
  std::ofstream(state, std::ios::binary | std::ios::trunc) << damaged;
  const auto before = snapshot(root_ / "run");
  fails("train --resume " + dir("run") + " --steps 600", "checksum does not match");
  fails("eval --run " + dir("run"), "checksum does not match");
  std::ofstream(state, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() - 5);
  fails("eval --run " + dir("run"), "truncated or damaged");
  EXPECT_EQ(before.size(), snapshot(root_ / "run").size());
  fails("train --resume /etc/passwd", "is a file, not a run folder");
  std::ofstream(state, std::ios::binary | std::ios::trunc) << "root:x:0:0:root:/root:/bin/bash\n";
  fails("eval --run " + dir("run"), "is not an rfm checkpoint");
}

TEST_F(CliTrain, AFullDiskFailsTheCheckpointCleanlyAndThePreviousOneResumes) {
  const fs::path disk = root_ / "disk";
  fs::create_directories(disk);
  if (geteuid() != 0 || mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64m") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): the full-disk case is untested";
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk.string()};
  const std::string run = (disk / "run").string();
  ok("train " + kTinyRun + " --steps 300 --out " + run);
  const std::string first = read_file(disk / "run" / "checkpoint" / "state.bin");
  // Fill the disk, then free 64 KiB: room for CSV rows and the log, not for a checkpoint.
  run_script("dd if=/dev/zero of=" + (disk / "filler").string() +
             " bs=64k >/dev/null 2>&1; truncate -s -64K " + (disk / "filler").string());
  // Training to 600 runs, then its checkpoint fails: the last line says why, the exit status is 1.
  const auto full = run_rfm("train --resume " + run + " --steps 600");
  EXPECT_EQ(full.exit_code, 1) << full.output;
  const std::string last_line =
      full.output.substr(full.output.rfind('\n', full.output.size() - 2) + 1);
  EXPECT_EQ(last_line.rfind("rfm: error: checkpoint at step 600 not written", 0), 0u) << last_line;
  EXPECT_NE(last_line.find("no space left on device"), std::string::npos) << last_line;
  EXPECT_FALSE(fs::exists(disk / "run" / "checkpoint" / "state.bin.tmp"));
  EXPECT_EQ(read_file(disk / "run" / "checkpoint" / "state.bin"), first);
  EXPECT_NE(read_file(disk / "run" / "log.txt").find("no space left on device"), std::string::npos);
  fs::remove(disk / "filler");
  ok("train --resume " + run + " --steps 600");
  ok("train " + kTinyRun + " --steps 600 --out " + dir("straight"));
  for (const char* csv : {"train.csv", "eval.csv"})
    EXPECT_EQ(deterministic_columns(root_ / "straight" / csv),
              deterministic_columns(disk / "run" / csv))
        << csv;
}

// A run whose train.csv has another build's columns (rfm-vp's statistics changed once) is not
// continued under them: the resume is refused with one line, and the folder stays as it was.
TEST_F(CliTrain, ResumeRefusesACsvWithOtherColumnsAndChangesNothing) {
  ok("train " + kTinyRun + " --steps 300 --out " + dir("old"));
  const fs::path csv = root_ / "old" / "train.csv";
  std::string text = read_file(csv);
  const auto mean_q = text.find(",mean_q,");
  ASSERT_NE(mean_q, std::string::npos) << text;
  text.replace(mean_q, 8, ",update_q,");
  std::ofstream(csv, std::ios::binary | std::ios::trunc) << text;
  const auto before = snapshot(root_ / "old");
  fails("train --resume " + dir("old") + " --steps 600",
        "has other columns than this build writes");
  EXPECT_EQ(snapshot(root_ / "old"), before);
}

// Every algorithm's checkpoint holds all of its state (networks, optimiser moments, target critics,
// its random stream, SAC's temperature): stopped at step 200 and resumed, each run writes the CSVs
// of the same run made in one go. Each algorithm's sample counts are cut to keep this quick.
class CliTrainEveryAgent : public CliTrain, public ::testing::WithParamInterface<const char*> {};
const std::vector<const char*> kAlgorithms = {"rfm", "rfm-vp", "rfm-ve", "qsm",
                                              "qne", "dqs",    "sac"};

TEST_F(CliTrain, EveryAlgorithmOfTheProgramIsInTheResumeTest) {
  const std::string help = ok("train --help");
  const std::string marker = "algorithm: ";
  const auto begin = help.find(marker);
  ASSERT_NE(begin, std::string::npos) << help;
  std::istringstream names(
      help.substr(begin + marker.size(), help.find('\n', begin) - begin - marker.size()));
  std::vector<std::string> listed;
  for (std::string name; names >> name;)
    if (name != "|") listed.push_back(name);
  EXPECT_EQ(listed, std::vector<std::string>(kAlgorithms.begin(), kAlgorithms.end())) << help;
}

TEST_P(CliTrainEveryAgent, ResumesBitForBit) {
  const std::string algorithm = GetParam();
  const std::map<std::string, std::string> small = {
      {"rfm", "--set rfm.mc_samples=8 --set rfm.particles=2 --set rfm.ode_steps=2"},
      {"rfm-vp", "--set rfm.mc_samples=8 --set rfm.particles=2 --set diffusion.steps=2"},
      {"rfm-ve", "--set rfm.mc_samples=8 --set rfm.particles=2 --set diffusion.steps=2"},
      {"qsm", "--set diffusion.steps=2"},
      {"qne",
       "--set qne.candidates=8 --set qne.log_prob_samples=2 --set qne.log_prob_steps=2 "
       "--set diffusion.steps=2"},
      {"dqs", "--set dqs.mc_samples=8 --set diffusion.steps=2"},
      {"sac", ""}};
  ASSERT_EQ(small.count(algorithm), 1u) << algorithm;
  const std::string run = "--algo " + algorithm +
                          " --task cartpole-balance --seed 5 --set trainer.warmup_steps=100 "
                          "--set trainer.batch_size=16 --set trainer.eval_every=200 "
                          "--set trainer.eval_episodes=1 --set trainer.checkpoint_every=200 "
                          "--set trainer.log_every=50 " +
                          small.at(algorithm);
  ok("train " + run + " --steps 400 --out " + dir("straight"));
  ok("train " + run + " --steps 200 --out " + dir("resumed"));
  ok("train --resume " + dir("resumed") + " --steps 400");
  for (const char* csv : {"train.csv", "eval.csv"}) {
    const std::string straight = deterministic_columns(root_ / "straight" / csv);
    EXPECT_EQ(count_lines(straight), csv == std::string("train.csv") ? 9 : 3) << csv;
    EXPECT_EQ(straight, deterministic_columns(root_ / "resumed" / csv)) << csv;
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CliTrainEveryAgent, ::testing::ValuesIn(kAlgorithms),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace rfm::test
