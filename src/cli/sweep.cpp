// rfm sweep: a grid of algorithms × tasks × seeds, each run an `rfm train` child process of this
// program, J at a time, its output appended to a log file beside its run folder. Everything is
// checked before the first run starts. Rerunning the same command skips finished runs (also
// those kept without their checkpoint), resumes interrupted ones from their checkpoint and
// restarts those killed before their first checkpoint.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cli/child_processes.h"
#include "cli/commands.h"
#include "rfm/agents/registry.h"
#include "rfm/envs/registry.h"
#include "rfm/rl/config.h"
#include "rfm/rl/provenance.h"
#include "rfm/rl/run_folder.h"
#include "rfm/rl/trainer.h"
#include "rfm/util/error.h"
#include "rfm/util/files.h"
#include "rfm/util/format.h"

namespace rfm::cli {

namespace {
namespace fs = std::filesystem;

// More seeds than this in one sweep is surely a typo ("1-10000000").
constexpr std::uint64_t kMaxSeeds = 10000;

struct SweepOptions {
  std::vector<std::string> algorithms;
  std::vector<std::string> tasks;
  std::string seeds;
  std::int64_t steps = 0;
  std::string preset = "cpu";
  std::vector<std::string> overrides;
  std::string out;
  int jobs = 1;
};

// What the sweep does with one run folder.
enum class RunAction {
  kNew,      // no folder yet
  kRestart,  // a folder without a checkpoint (killed before its first one): deleted, then new
  kResume,   // a checkpoint before the requested total: `rfm train --resume`
  kSkip      // finished: a checkpoint, or without one an evaluation, at (or past) the total
};

struct PlannedRun {
  std::string algorithm, task;
  std::uint64_t seed = 0;
  std::int64_t total_steps = 0;
  std::string name;    // <task>/<algorithm>/seed<S>, in messages
  std::string folder;  // <out>/<name>
  std::string log;     // <out>/<name>.log: the child's stdout and stderr, appended
  RunAction action = RunAction::kNew;
  std::int64_t checkpoint_step = -1;
  std::int64_t evaluated_step = -1;  // the last evaluation of a finished run without a checkpoint
};

// "1-5", "1,3,7" or both ("1-3,7"): the seeds in the order given. Throws rfm::Error on a part that
// is not a seed or a range, a range that runs backwards, a seed given twice or too many seeds.
std::vector<std::uint64_t> parse_seeds(const std::string& text) {
  const std::string option = "--seeds '" + text + "': ";
  const auto parse_seed = [&option](const std::string& part) {
    std::uint64_t seed = 0;
    const char* end = part.data() + part.size();
    const auto [stop, error] = std::from_chars(part.data(), end, seed);
    if (part.empty() || error != std::errc() || stop != end || seed > rl::kMaxSeed)
      throw Error(option + "'" + part + "' is not a seed (an integer in [0, 2^63 - 1])");
    return seed;
  };
  std::vector<std::uint64_t> seeds;
  std::set<std::uint64_t> seen;
  std::istringstream parts(text);
  for (std::string part; std::getline(parts, part, ',');) {
    const auto dash = part.find('-');
    const std::uint64_t first = parse_seed(part.substr(0, dash));
    const std::uint64_t last =
        dash == std::string::npos ? first : parse_seed(part.substr(dash + 1));
    if (last < first) throw Error(option + "range '" + part + "' ends before it starts");
    if (last - first >= kMaxSeeds || seeds.size() + (last - first) >= kMaxSeeds)
      throw Error(option + "more than " + std::to_string(kMaxSeeds) + " seeds");
    for (std::uint64_t seed = first;; ++seed) {
      if (!seen.insert(seed).second)
        throw Error(option + "seed " + std::to_string(seed) + " is given twice");
      seeds.push_back(seed);
      if (seed == last) break;
    }
  }
  if (seeds.empty()) throw Error(option + "no seeds");
  return seeds;
}

// Throws when a name list is empty or names something twice.
void check_names(const std::vector<std::string>& names, const std::string& option) {
  if (names.empty()) throw Error(option + " needs at least one name");
  std::set<std::string> seen;
  for (const std::string& name : names)
    if (!seen.insert(name).second) throw Error(option + ": '" + name + "' is given twice");
}

// The configuration `rfm train` will give the algorithm's runs, resolved the way it resolves it,
// so that a bad preset, key or value fails here.
rl::Config resolve_config(const SweepOptions& options, const std::string& algorithm) {
  rl::ConfigRequest request{configs_dir(), algorithm, options.preset};
  request.overrides = options.overrides;
  request.total_steps = options.steps;
  try {
    return rl::resolve_config(request);
  } catch (const Error& error) {
    // An error about a key or value gets the algorithm's name (an unknown preset names it).
    const std::string message = error.what();
    if (message.find("'" + algorithm + "'") != std::string::npos) throw;
    throw Error("algorithm '" + algorithm + "': " + message);
  }
}

// The settings in which a run folder's configuration differs from the requested one ("key = a in
// the folder, b in this sweep", semicolon-separated), apart from trainer.total_steps, which a
// sweep may raise to train its runs further, and the run's provenance.
std::string differing_settings(const rl::Config& existing, const rl::Config& requested) {
  std::set<std::string> keys;
  for (const auto& [key, value] : existing.values()) keys.insert(key);
  for (const auto& [key, value] : requested.values()) keys.insert(key);
  const auto value_in = [](const rl::Config& config, const std::string& key) {
    const auto found = config.values().find(key);
    if (found != config.values().end()) return rl::value_text(found->second);
    const rl::ConfigValue* before = rl::value_before_key_existed(key);
    return before != nullptr ? rl::value_text(*before) : std::string("(none)");
  };
  std::string differing;
  for (const std::string& key : keys) {
    const std::string here = value_in(existing, key), asked = value_in(requested, key);
    if (key == "trainer.total_steps" || rl::is_provenance_key(key) || here == asked) continue;
    differing += (differing.empty() ? "" : "; ") + key + " = " + here + " in the folder, " + asked +
                 " in this sweep";
  }
  return differing;
}

// Throws when a run folder holds a run of other settings than the requested ones.
void check_same_settings(const PlannedRun& run, const rl::Config& requested) {
  const std::string differing = differing_settings(rl::read_run_config(run.folder), requested);
  if (!differing.empty())
    throw Error("'" + run.folder + "' holds a run with other settings than this sweep's (" +
                differing + "); move it away or choose another --out");
}

// Decides what to do with one run folder (rl/run_folder.h says where it stands); throws when it
// holds a run of other settings, or files of a user's in a folder the sweep would delete.
void plan_action(PlannedRun& run, const rl::Config& requested) {
  const rl::RunProgress progress = rl::read_run_progress(run.folder);
  if (!progress.exists) return;  // kNew
  run.checkpoint_step = progress.checkpoint_step;
  run.evaluated_step = progress.evaluated_step;
  if (progress.finished(run.total_steps)) {
    check_same_settings(run, requested);
    run.action = RunAction::kSkip;
  } else if (progress.resumable(run.total_steps)) {
    check_same_settings(run, requested);
    run.action = RunAction::kResume;
  } else {
    // Stopped before its first checkpoint: deleted and started again, only when it holds nothing
    // but what `rfm train` writes there (the sweep's own run, killed early).
    const std::string foreign = rl::first_foreign_entry(run.folder);
    if (!foreign.empty())
      throw Error("'" + run.folder +
                  "' has no checkpoint, so the sweep would delete it and start the run again, "
                  "but it holds '" +
                  foreign +
                  "', which rfm train does not write; move it away or choose another --out");
    run.action = RunAction::kRestart;
  }
}

// Checks every option, builds every algorithm's agent on every task once, and decides what to do
// with every run folder, before anything is written.
std::vector<PlannedRun> plan_sweep(const SweepOptions& options) {
  const std::vector<std::uint64_t> seeds = parse_seeds(options.seeds);
  check_names(options.algorithms, "--algos");
  check_names(options.tasks, "--tasks");
  for (const std::string& algorithm : options.algorithms) agents::agent_factory(algorithm);
  if (options.out.empty()) throw Error("--out is empty; give a folder for the sweep");
  std::error_code error;
  if (fs::exists(options.out, error) && !fs::is_directory(options.out, error))
    throw Error("--out '" + options.out + "' exists and is not a folder");

  // Configurations per algorithm, with the trainer's checks; the agents as the trainer will build
  // them on each task, so that values out of range (trainer.batch_size=0, rfm.particles=0) or
  // unknown names (rfm.estimator=best) fail here.
  std::vector<rl::Config> configs;
  for (const std::string& algorithm : options.algorithms) {
    configs.push_back(resolve_config(options, algorithm));
    try {
      rl::check_trainer_settings(configs.back());
    } catch (const Error& error) {
      throw Error("algorithm '" + algorithm + "': " + error.what());
    }
  }
  for (const std::string& task : options.tasks) {
    const auto env = envs::make_env(task, global_options().model_dir);
    for (std::size_t a = 0; a < options.algorithms.size(); ++a) {
      try {
        agents::agent_factory(options.algorithms[a])(configs[a], env->spec(), rl::AgentContext{});
      } catch (const Error& error) {
        throw Error("algorithm '" + options.algorithms[a] + "' on task '" + task +
                    "': " + error.what());
      }
    }
  }

  // Seeds outermost, so that an interrupted sweep has every algorithm and task at its first seeds.
  std::vector<PlannedRun> runs;
  for (const std::uint64_t seed : seeds)
    for (const std::string& task : options.tasks)
      for (std::size_t a = 0; a < options.algorithms.size(); ++a) {
        PlannedRun run;
        run.algorithm = options.algorithms[a];
        run.task = task;
        run.seed = seed;
        run.total_steps = configs[a].get_int("trainer.total_steps");
        run.name = task + "/" + run.algorithm + "/seed" + std::to_string(seed);
        run.folder = (fs::path(options.out) / run.name).string();
        run.log = run.folder + ".log";
        rl::Config requested = configs[a];
        rl::set_run_identity(requested, {run.algorithm, task, seed});
        plan_action(run, requested);
        runs.push_back(run);
      }
  return runs;
}

// The child's command line: this program's global options, then `train`.
std::vector<std::string> train_arguments(const PlannedRun& run, const SweepOptions& options) {
  const GlobalOptions& global = global_options();
  std::vector<std::string> arguments = {"rfm"};
  if (!global.model_dir.empty())
    arguments.insert(arguments.end(), {"--model-dir", global.model_dir});
  if (!global.configs_dir.empty())
    arguments.insert(arguments.end(), {"--configs-dir", global.configs_dir});
  if (global.threads > 0)
    arguments.insert(arguments.end(), {"--threads", std::to_string(global.threads)});
  if (global.device != "cpu") arguments.insert(arguments.end(), {"--device", global.device});
  const std::string steps = std::to_string(run.total_steps);
  if (run.action == RunAction::kResume) {
    arguments.insert(arguments.end(), {"train", "--resume", run.folder, "--steps", steps});
    return arguments;
  }
  arguments.insert(arguments.end(),
                   {"train", "--algo", run.algorithm, "--task", run.task, "--seed",
                    std::to_string(run.seed), "--steps", steps, "--preset", options.preset});
  for (const std::string& assignment : options.overrides)
    arguments.insert(arguments.end(), {"--set", assignment});
  arguments.insert(arguments.end(), {"--out", run.folder});
  return arguments;
}

// --- running the grid -------------------------------------------------------------------------

// A line on stdout, flushed at once: the sweep's output is often piped into a file.
void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

// The last non-empty line of a run's log: the child's error message when it failed.
std::string last_log_line(const std::string& log_path) {
  try {
    std::istringstream lines(read_file(log_path));
    std::string line, last;
    while (std::getline(lines, line))
      if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    return last;
  } catch (const Error&) {
    return "";
  }
}

// A header line in the log before each start, so that appended attempts can be told apart.
void mark_log(const std::string& log_path, const std::vector<std::string>& arguments) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  const std::string command = join(arguments, " ");
  std::ofstream log(log_path, std::ios::app);
  log << "=== " << stamp << " rfm sweep starts: " << command << "\n";
  if (!log) throw Error("cannot write '" + log_path + "'");
}

// "1 task", "3 seeds".
std::string count_of(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string start_description(const PlannedRun& run) {
  const std::string to = " to step " + std::to_string(run.total_steps);
  switch (run.action) {
    case RunAction::kResume:
      return "resuming from step " + std::to_string(run.checkpoint_step) + to;
    case RunAction::kRestart:
      return "restarting (stopped before its first checkpoint)" + to;
    default:
      return "new run" + to;
  }
}

void run_sweep(const SweepOptions& options) {
  const std::vector<PlannedRun> runs = plan_sweep(options);
  const std::size_t seeds = runs.size() / options.algorithms.size() / options.tasks.size();
  say("sweep: " + count_of(runs.size(), "run") + " (" +
      count_of(options.algorithms.size(), "algorithm") + " × " +
      count_of(options.tasks.size(), "task") + " × " + count_of(seeds, "seed") + ") into " +
      options.out + ", " + std::to_string(options.jobs) + " at a time");
  if (options.jobs > 1 && global_options().threads == 0)
    std::fputs(
        "rfm: note: runs side by side share the CPU; --threads 1 is usually fastest for them\n",
        stderr);

  // Start runs while slots are free, then wait for one to end; a stop signal ends the starting.
  ChildrenRegister children(static_cast<std::size_t>(options.jobs));
  struct Running {
    std::size_t run = 0;
    std::chrono::steady_clock::time_point started;
  };
  std::vector<Running> slots(static_cast<std::size_t>(options.jobs));
  std::size_t next = 0, running = 0, finished = 0, skipped = 0;
  std::vector<std::string> failed;
  while (true) {
    while (received_stop_signal() == 0 && running < slots.size() && next < runs.size()) {
      const PlannedRun& run = runs[next];
      const std::string counter =
          "[" + std::to_string(next + 1) + "/" + std::to_string(runs.size()) + "] ";
      ++next;
      if (run.action == RunAction::kSkip) {
        say("skipped   " + counter + run.name + ": finished (" +
            (run.checkpoint_step >= 0
                 ? "checkpoint at step " + std::to_string(run.checkpoint_step)
                 : "evaluated at step " + std::to_string(run.evaluated_step) + ", no checkpoint") +
            ")");
        ++skipped;
        continue;
      }
      if (run.action == RunAction::kRestart) fs::remove_all(run.folder);
      fs::create_directories(fs::path(run.folder).parent_path());
      const std::vector<std::string> arguments = train_arguments(run, options);
      mark_log(run.log, arguments);
      const std::size_t slot = children.add(start_child(arguments, run.log));
      slots[slot] = {next - 1, std::chrono::steady_clock::now()};
      ++running;
      say("started   " + counter + run.name + ": " + start_description(run) + " (log " + run.log +
          ")");
    }
    if (running == 0) break;

    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("waiting for the runs: ") + std::strerror(errno));
    }
    const std::size_t slot = children.remove(pid);
    if (slot == slots.size()) continue;
    --running;
    const PlannedRun& run = runs[slots[slot].run];
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - slots[slot].started)
            .count();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      say("finished  " + run.name + " in " + format_duration(seconds));
      ++finished;
    } else if (received_stop_signal() != 0) {
      say("stopped   " + run.name + " after " + format_duration(seconds));
    } else {
      const std::string cause = WIFSIGNALED(status)
                                    ? "killed by signal " + std::to_string(WTERMSIG(status))
                                    : "exit status " + std::to_string(WEXITSTATUS(status));
      say("FAILED    " + run.name + " (" + cause + "): " + last_log_line(run.log) + " [log " +
          run.log + "]");
      failed.push_back(run.name);
    }
  }

  // A stop signal ends the sweep the way the signal would have: the rerun continues it.
  if (const int signal = received_stop_signal()) {
    say("sweep: stopped by signal " + std::to_string(signal) + " (" + strsignal(signal) +
        "); run the same command again to continue");
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
  say("sweep: " + count_of(runs.size(), "run") + ": " + std::to_string(finished) + " finished, " +
      std::to_string(skipped) + " skipped (already finished), " + std::to_string(failed.size()) +
      " failed");
  if (!failed.empty()) {
    throw Error(std::to_string(failed.size()) + " of " + std::to_string(runs.size()) +
                " runs failed (" + join(failed, ", ") + "); their .log files under '" +
                options.out + "' say why");
  }
}
}  // namespace

void add_sweep_command(CLI::App& app) {
  auto options = std::make_shared<SweepOptions>();
  CLI::App* command = app.add_subcommand(
      "sweep",
      "train a grid of algorithms × tasks × seeds, each run an 'rfm train' process, J at a time; "
      "rerunning the same command skips finished runs and resumes interrupted ones");
  command->add_option("--algos", options->algorithms, algorithm_help() + ", comma-separated")
      ->required()
      ->delimiter(',');
  command->add_option("--tasks", options->tasks, "tasks, comma-separated (see 'rfm tasks')")
      ->required()
      ->delimiter(',');
  command->add_option("--seeds", options->seeds, "seeds: a range 1-5, a list 1,3,7, or both")
      ->required();
  command
      ->add_option("--steps", options->steps,
                   "environment steps per run (default: the preset's trainer.total_steps)")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--preset", options->preset, std::string(kPresetHelp) + ", for every algorithm")
      ->capture_default_str();
  command->add_option("--set", options->overrides, "override one key: section.key=value")
      ->take_all();
  command->add_option("--out", options->out, "sweep folder: runs go to <out>/<task>/<algo>/seed<S>")
      ->required();
  command->add_option("--jobs", options->jobs, "runs at a time, at most 256")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command->callback([options] { run_sweep(*options); });
}

}  // namespace rfm::cli
