// rfm sweep and rfm report as a user runs them: a sweep killed mid-grid takes its runs with it, and
// the same command continues it without training a finished run again or restarting one that had a
// checkpoint; bad input fails before anything is written; the report's table has the mean over
// seeds at a step and the average return over training computed from known curves.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cli_support.h"
#include "scratch_folder.h"

extern char** environ;

namespace rfm::test {
namespace {

namespace fs = std::filesystem;

// Three seeds of a tiny RFM run on cartpole-balance: warm-up, updates, two evaluations and two
// checkpoints within 600 steps, a couple of seconds each.
const std::string kTinySweep =
    "sweep --algos rfm --tasks cartpole-balance --seeds 1-3 --steps 600 --jobs 1 "
    "--set trainer.warmup_steps=200 --set trainer.eval_every=300 "
    "--set trainer.checkpoint_every=300 --set trainer.eval_episodes=1 --set trainer.batch_size=16 "
    "--set rfm.mc_samples=4 --set rfm.particles=2 --set rfm.ode_steps=2";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int count_of(const std::string& text, const std::string& part) {
  int count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// The step of an eval.csv's last row.
std::string last_eval_step(const fs::path& eval_csv) {
  std::istringstream rows(read_file(eval_csv));
  std::string line, last;
  while (std::getline(rows, line))
    if (!line.empty()) last = line;
  return last.substr(0, last.find(','));
}

// The step of a checkpoint: the sixth word of its header, the text after the 8-byte format tag and
// the 8-byte length (rl/trainer.cpp, write_checkpoint).
std::string checkpoint_step(const fs::path& state_bin) {
  std::istringstream header(read_file(state_bin).substr(16));
  std::string word;
  for (int i = 0; i < 6; ++i) header >> word;
  return word;
}

// Starts `rfm <arguments>` (words separated by spaces) in the background, its output into a file.
pid_t start_rfm(const std::string& arguments, const std::string& output) {
  std::vector<std::string> words = {RFM_BINARY};
  std::istringstream split(arguments);
  for (std::string word; split >> word;) words.push_back(word);
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  if (posix_spawn(&pid, RFM_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Processes whose command line mentions `text` (the sweep's children name their run folders).
int processes_mentioning(const std::string& text) {
  int count = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string command_line = read_file(entry.path() / "cmdline");
    std::replace(command_line.begin(), command_line.end(), '\0', ' ');
    count += command_line.find(text) != std::string::npos;
  }
  return count;
}

bool gnuplot_installed() {
  return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

class CliSweepReport : public ::testing::Test {
 protected:
  // Runs `rfm <arguments>` and expects exit 1 with `cause` in one "rfm: error:" line.
  void fails(const std::string& arguments, const std::string& cause,
             const std::string& environment = "") {
    const auto result = run_rfm(arguments, environment);
    EXPECT_EQ(result.exit_code, 1) << arguments << "\n" << result.output;
    EXPECT_EQ(count_lines(result.output), 1) << result.output;
    EXPECT_EQ(result.output.rfind("rfm: error:", 0), 0u) << result.output;
    EXPECT_NE(result.output.find(cause), std::string::npos)
        << "expected '" << cause << "' in: " << result.output;
  }
  std::string path(const std::string& relative) const { return (root_ / relative).string(); }

  // A run folder written by hand: its [run] identity and an eval.csv of the given returns at
  // steps 100, 200, 300, ...
  void write_run(const std::string& folder, const std::string& algorithm, const std::string& task,
                 const std::vector<double>& returns) {
    fs::create_directories(root_ / folder);
    std::ofstream(root_ / folder / "config.toml")
        << "[run]\nalgorithm = \"" << algorithm << "\"\ntask = \"" << task << "\"\nseed = 1\n";
    std::ofstream eval(root_ / folder / "eval.csv");
    eval << "step,return_mean,return_std,episodes,return_min,return_max,eval_s\n";
    for (std::size_t i = 0; i < returns.size(); ++i)
      eval << 100 * (i + 1) << "," << returns[i] << ",0,1," << returns[i] << "," << returns[i]
           << ",0.1\n";
  }

  const ScratchFolder scratch_{"rfm_sweep"};
  const fs::path root_ = scratch_.path();
};

TEST_F(CliSweepReport, KilledSweepContinuesWithoutRepeatingWork) {
  const std::string out = path("sweep");
  const fs::path runs = root_ / "sweep" / "cartpole-balance" / "rfm";
  // Start the sweep and kill it hard once the second run has written a checkpoint.
  const pid_t sweep = start_rfm(kTinySweep + " --out " + out, path("first.txt"));
  ASSERT_GT(sweep, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(runs / "seed2" / "checkpoint" / "state.bin") &&
         std::chrono::steady_clock::now() < deadline && waitpid(sweep, nullptr, WNOHANG) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(sweep, SIGKILL);
  waitpid(sweep, nullptr, 0);
  ASSERT_TRUE(fs::exists(runs / "seed2" / "checkpoint" / "state.bin"))
      << read_file(path("first.txt"));
  std::vector<bool> had_checkpoint;
  for (int seed = 1; seed <= 3; ++seed)
    had_checkpoint.push_back(
        fs::exists(runs / ("seed" + std::to_string(seed)) / "checkpoint" / "state.bin"));
  // The kill lands after seed2's first checkpoint (step 300), rarely after its last (600).
  const std::string second_step = checkpoint_step(runs / "seed2" / "checkpoint" / "state.bin");

  // The running child died with the sweep.
  for (int tries = 0; tries < 200 && processes_mentioning(out) > 0; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_EQ(processes_mentioning(out), 0);

  // The same command finishes the grid; the first run was finished and is left as it was.
  const fs::path first_eval = runs / "seed1" / "eval.csv";
  const std::string first_eval_bytes = read_file(first_eval);
  const auto first_eval_time = fs::last_write_time(first_eval);
  const auto rerun = run_rfm(kTinySweep + " --out " + out);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("skipped   [1/3] cartpole-balance/rfm/seed1"), std::string::npos)
      << rerun.output;
  EXPECT_EQ(read_file(first_eval), first_eval_bytes);
  EXPECT_EQ(fs::last_write_time(first_eval), first_eval_time);
  for (int seed = 1; seed <= 3; ++seed) {
    const fs::path run = runs / ("seed" + std::to_string(seed));
    EXPECT_EQ(last_eval_step(run / "eval.csv"), "600") << run;
    // A run with a checkpoint is resumed, never started from step 0 again; the log beside the
    // run folder keeps every attempt's output.
    const std::string log = read_file(run.string() + ".log");
    if (had_checkpoint[seed - 1])
      EXPECT_EQ(count_of(log, "from step 0 to 600"), 1) << log;
    else
      EXPECT_GE(count_of(log, "from step 0 to 600"), 1) << log;
  }
  // The second run went on from its checkpoint, or was skipped if that was its last.
  EXPECT_NE(rerun.output.find(second_step == "600"
                                  ? "skipped   [2/3] cartpole-balance/rfm/seed2: finished"
                                  : "[2/3] cartpole-balance/rfm/seed2: resuming from step " +
                                        second_step + " to step 600"),
            std::string::npos)
      << rerun.output;

  // A third time there is nothing left to do, also for a finished run whose checkpoint was
  // deleted: it is kept as it is, not trained again.
  fs::remove_all(runs / "seed1" / "checkpoint");
  const auto again = run_rfm(kTinySweep + " --out " + out);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 finished, 3 skipped"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("seed1: finished (evaluated at step 600, no checkpoint)"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(read_file(first_eval), first_eval_bytes);
  // Nor is it deleted by a sweep of other settings: that is refused.
  fails(kTinySweep + " --set trainer.batch_size=8 --out " + out,
        "seed1' holds a run with other settings than this sweep's (trainer.batch_size = 16");
  EXPECT_EQ(read_file(first_eval), first_eval_bytes);

  // The report of the sweep has one row of three seeds at step 600.
  if (!gnuplot_installed()) GTEST_SKIP() << "gnuplot is not installed";
  const auto report = run_rfm("report " + out + " --out " + path("sweep.md"));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const std::string markdown = read_file(path("sweep.md"));
  EXPECT_NE(markdown.find("| rfm | 3 |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("step 600"), std::string::npos) << markdown;
  EXPECT_TRUE(fs::exists(path("sweep-steps.png")));
  // Real runs have train.csv: a figure against hours too, and the row names what the cpu preset
  // and the sweep's --set changed from the paper preset.
  EXPECT_EQ(read_file(path("sweep-hours.png")).substr(1, 3), "PNG");
  EXPECT_NE(markdown.find("](sweep-hours.png)"), std::string::npos) << markdown;
  for (const char* change : {"batch_size 256 → 16", "mc_samples 100 → 4", "particles 32 → 2",
                             "total_steps 250000 → 600", "warmup_steps 10000 → 200"})
    EXPECT_NE(markdown.find(change), std::string::npos) << change << "\n" << markdown;
}

TEST_F(CliSweepReport, BadSweepInputFailsBeforeAnythingIsWritten) {
  const std::string grid = "sweep --algos rfm --tasks cartpole-balance --seeds 1-2 --steps 100 ";
  const std::string out = " --out " + path("out");
  fails("sweep --algos rfm,nope --tasks cartpole-balance --seeds 1" + out,
        "unknown algorithm 'nope'");
  fails("sweep --algos rfm --tasks cartpole-balance,cartpole-balancee --seeds 1" + out,
        "unknown task 'cartpole-balancee'");
  fails("sweep --algos rfm --tasks cartpole-balance --seeds 3-1" + out,
        "--seeds '3-1': range '3-1' ends before it starts");
  fails("sweep --algos rfm --tasks cartpole-balance --seeds 1,x" + out, "'x' is not a seed");
  fails("sweep --algos rfm --tasks cartpole-balance --seeds 1-3,2" + out, "seed 2 is given twice");
  fails(grid + "--set rfm.nope=1" + out, "unknown config key 'rfm.nope'");
  fails(grid + "--set rfm.particles=0" + out, "rfm.particles");
  fails(grid + "--set trainer.batch_size=0" + out, "trainer.batch_size");
  fails(grid + "--set trainer.eval_episodes=two" + out, "trainer.eval_episodes");
  fails(grid + "--preset nope" + out, "unknown preset 'nope'");
  EXPECT_FALSE(fs::exists(path("out")));
}

TEST_F(CliSweepReport, ReportTablesHoldTheMeanAtAStepAndTheAverageReturn) {
  if (!gnuplot_installed()) GTEST_SKIP() << "gnuplot is not installed";
  // Two algorithms with two seeds each on one task, evaluated at steps 100, 200 and 300.
  const std::vector<std::vector<double>> rfm = {{10, 20, 40}, {30, 40, 60}};
  const std::vector<std::vector<double>> sac = {{5, 50, 45}, {15, 30, 25}};
  for (int seed = 0; seed < 2; ++seed) {
    const std::string name = "seed" + std::to_string(seed + 1);
    write_run("runs/cartpole-balance/rfm/" + name, "rfm", "cartpole-balance", rfm[seed]);
    write_run("runs/cartpole-balance/sac/" + name, "sac", "cartpole-balance", sac[seed]);
  }
  // On a second task, one algorithm from two folders: labelled by folder.
  write_run("runs/cheetah-run/rfm-cpu/seed1", "rfm", "cheetah-run", {1, 2, 3});
  write_run("runs/cheetah-run/rfm-paper/seed1", "rfm", "cheetah-run", {2, 3, 4});

  const std::string out = path("report.md");
  const auto result = run_rfm("report " + path("runs") + " --out " + out + " --at 200,300");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string markdown = read_file(out);

  // Mean over two seeds ± t(0.975, 1) · sd / √2, each number with four significant digits.
  const auto four_digits = [](double value) {
    const int decimals = 3 - static_cast<int>(std::floor(std::log10(std::fabs(value))));
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", std::max(decimals, 0), value);
    return std::string(text);
  };
  const auto cell = [&four_digits](double first, double second) {
    const double mean = (first + second) / 2, half_width = 12.7062 * std::fabs(first - second) / 2;
    return four_digits(mean) + " ± " + four_digits(half_width);
  };
  // Per seed, the average return: the trapezoid area over steps 100-300 divided by 200.
  const auto average = [](const std::vector<double>& r) {
    return (0.5 * (r[0] + r[1]) * 100 + 0.5 * (r[1] + r[2]) * 100) / 200;
  };
  // rfm: 30 at step 200, 50 at 300 (best), average 32.5 (best); sac: 40 (best), 35, 31.25. The
  // fixtures' configs hold only [run]: no setting differs from the paper preset.
  const std::string rfm_row = "| rfm | 2 | " + cell(rfm[0][1], rfm[1][1]) + " | **" +
                              cell(rfm[0][2], rfm[1][2]) + "** | **" +
                              cell(average(rfm[0]), average(rfm[1])) + "** | paper preset |";
  const std::string sac_row = "| sac | 2 | **" + cell(sac[0][1], sac[1][1]) + "** | " +
                              cell(sac[0][2], sac[1][2]) + " | " +
                              cell(average(sac[0]), average(sac[1])) + " | paper preset |";
  EXPECT_NE(markdown.find("| algorithm | seeds | step 200 | step 300 | average return (AUC), "
                          "steps 100–300 | settings against the paper preset |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find(rfm_row), std::string::npos) << rfm_row << "\n" << markdown;
  EXPECT_NE(markdown.find(sac_row), std::string::npos) << sac_row << "\n" << markdown;
  EXPECT_NE(markdown.find("| rfm-cpu | 1 | 2.000 | 3.000 | 2.000 | paper preset |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| rfm-paper | 1 | **3.000** | **4.000** | **3.000** | paper preset |"),
            std::string::npos)
      << markdown;

  // One figure of all tasks' panels against steps beside the Markdown, linked from it; the
  // fixtures have no train.csv, so no figure against hours.
  EXPECT_EQ(read_file(path("report-steps.png")).substr(1, 3), "PNG");
  EXPECT_NE(markdown.find("](report-steps.png)"), std::string::npos) << markdown;
  EXPECT_FALSE(fs::exists(path("report-hours.png")));
  EXPECT_EQ(markdown.find("report-hours.png"), std::string::npos) << markdown;

  // Without --at the table shows the last common step.
  ASSERT_EQ(run_rfm("report " + path("runs") + " --out " + out).exit_code, 0);
  EXPECT_NE(read_file(out).find("| algorithm | seeds | step 300 | average return (AUC)"),
            std::string::npos)
      << read_file(out);
}

TEST_F(CliSweepReport, ReportErrorsLeaveNoOutput) {
  write_run("runs/cartpole-balance/rfm/seed1", "rfm", "cartpole-balance", {1, 2});
  fails("report " + path("runs") + " --out " + path("report.txt"), "must end in .md");
  fails("report " + path("nowhere") + " --out " + path("report.md"), "does not exist");
  fails("report " + path("runs") + " --out " + path("report.md"), "gnuplot not found",
        "PATH=/nonexistent");
  EXPECT_FALSE(fs::exists(path("report.md")));
  EXPECT_FALSE(fs::exists(path("report-steps.png")));
  EXPECT_FALSE(fs::exists(path("report-steps.png.tmp")));
}

}  // namespace
}  // namespace rfm::test
