#include "rfm/rl/trainer.h"

#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>

#include "rfm/envs/registry.h"
#include "rfm/flow/source.h"
#include "rfm/rl/checkpoint_file.h"
#include "rfm/rl/device.h"
#include "rfm/rl/provenance.h"
#include "rfm/rl/replay_buffer.h"
#include "rfm/rl/run_folder.h"
#include "rfm/rl/run_seeds.h"
#include "rfm/util/error.h"
#include "rfm/util/files.h"
#include "rfm/util/format.h"
#include "rfm/util/interrupt.h"
#include "rfm/util/rng.h"

namespace rfm::rl {

namespace fs = std::filesystem;

namespace {

struct TrainerSettings {
  std::int64_t total_steps, warmup_steps, batch_size, updates_per_step, replay_size, eval_every,
      eval_episodes, checkpoint_every, log_every;

  static TrainerSettings from_config(const Config& config) {
    TrainerSettings s{};
    s.total_steps = config.get_int("trainer.total_steps");
    s.warmup_steps = config.get_int("trainer.warmup_steps");
    s.batch_size = config.get_int("trainer.batch_size");
    s.updates_per_step = config.get_int("trainer.updates_per_step");
    s.replay_size = config.get_int("trainer.replay_size");
    s.eval_every = config.get_int("trainer.eval_every");
    s.eval_episodes = config.get_int("trainer.eval_episodes");
    s.checkpoint_every = config.get_int("trainer.checkpoint_every");
    s.log_every = config.get_int("trainer.log_every");
    return s;
  }
};

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

// --- the training session --------------------------------------------------------------------

class Session {
 public:
  Session(const Config& config, fs::path run_dir, const AgentFactory& factory,
          const TrainerHooks& hooks)
      : identity_(run_identity(config)),
        settings_(TrainerSettings::from_config(config)),
        device_(hooks.device),
        run_dir_(std::move(run_dir)),
        hooks_(hooks),
        env_(envs::make_env(identity_.task, hooks.model_dir)),
        spec_(env_->spec()),
        replay_(settings_.replay_size, spec_.observation_size, spec_.action_size),
        replay_rng_(derived_seed(identity_.seed, kReplaySeed, 0)),
        acting_generator_(
            flow::make_generator(derived_seed(identity_.seed, kActingSeed, 0), device_)) {
    agent_ =
        factory(config, spec_, AgentContext{derived_seed(identity_.seed, kAgentSeed, 0), device_});
    evaluator_ = std::make_unique<Evaluator>(identity_.task, identity_.seed,
                                             settings_.eval_episodes, hooks.model_dir, device_);
    statistic_sums_.assign(agent_->statistics().size(), 0.0);
  }

  // A fresh run: the first episode starts.
  void start() {
    env_->reset(derived_seed(identity_.seed, kTrainingEpisodeSeeds, 0), observation_);
  }

  // Restores the state of the checkpoint file; throws before anything is changed on disk.
  void restore(const fs::path& path) {
    const std::string where = path.string();
    CheckpointReader reader(read_file(where), where);
    std::istringstream header(reader.get_blob());
    const CheckpointIdentity written = read_checkpoint_identity(header, where);
    step_ = written.step;
    header >> episodes_ >> episode_return_ >> last_episode_return_ >> updates_ >>
        statistic_updates_ >> interval_start_step_;
    for (double& sum : statistic_sums_) header >> sum;
    replay_rng_.load(header);
    if (!header) throw Error("checkpoint '" + where + "' has a malformed header");
    if (written.algorithm != identity_.algorithm || written.task != identity_.task)
      throw Error("checkpoint '" + where + "' is from algorithm '" + written.algorithm +
                  "' on task '" + written.task + "', but the run is '" + identity_.algorithm +
                  "' on '" + identity_.task + "'");
    if (written.observation_size != spec_.observation_size ||
        written.action_size != spec_.action_size)
      throw Error("checkpoint '" + where + "' has other observation or action sizes than " +
                  identity_.task);
    if (written.seed != identity_.seed)
      throw Error("checkpoint '" + where + "' was written with seed " +
                  std::to_string(written.seed) + ", the run's config.toml says " +
                  std::to_string(identity_.seed));
    std::istringstream agent_state(reader.get_blob());
    agent_->load(agent_state);
    std::istringstream replay_state(reader.get_blob());
    replay_.load(replay_state);
    restore_generator(acting_generator_, reader.get_blob());
    // Replay the unfinished episode from its seed with its recorded actions: deterministic physics
    // brings the training environment back to the exact state it was in.
    const auto actions_in_episode = reader.get<std::uint64_t>();
    episode_actions_.resize(actions_in_episode * spec_.action_size);
    for (double& value : episode_actions_) value = reader.get<double>();
    last_checkpoint_step_ = step_;
    env_->reset(derived_seed(identity_.seed, kTrainingEpisodeSeeds, episodes_), observation_);
    std::vector<double> action;
    for (std::uint64_t i = 0; i < actions_in_episode; ++i) {
      action.assign(episode_actions_.begin() + i * spec_.action_size,
                    episode_actions_.begin() + (i + 1) * spec_.action_size);
      env_->step(action, observation_);
    }
  }

  std::int64_t step() const { return step_; }

  // The header line of the run's train.csv or eval.csv as this build writes it.
  std::string csv_header(const std::string& name) const {
    if (name == kEvalCsvFile)
      return "step,return_mean,return_std,episodes,return_min,return_max,eval_s";
    return train_header();
  }

  // Runs until total_steps, writing CSV rows, evaluations and checkpoints.
  void run() {
    std::ofstream train_csv = open_csv(kTrainCsvFile, csv_header(kTrainCsvFile));
    std::ofstream eval_csv = open_csv(kEvalCsvFile, csv_header(kEvalCsvFile));
    log_ = std::ofstream(run_dir_ / kRunLogFile, std::ios::app);
    const auto started = std::chrono::steady_clock::now();
    interval_clock_ = started;
    say("training " + identity_.algorithm + " on " + identity_.task + ", seed " +
        std::to_string(identity_.seed) + ", from step " + std::to_string(step_) + " to " +
        std::to_string(settings_.total_steps) + " (" + std::to_string(at::get_num_threads()) +
        (at::get_num_threads() == 1 ? " thread" : " threads") +
        (device_.is_cpu() ? ")" : ", " + device_.str() + ")"));

    std::vector<double> action(spec_.action_size), next_observation;
    std::vector<float> observation_f(spec_.observation_size), next_observation_f,
        action_f(spec_.action_size);
    torch::Tensor state = torch::empty({1, spec_.observation_size});
    TransitionBatch batch, device_batch;
    std::vector<double> statistics;
    while (step_ < settings_.total_steps) {
      // Act: uniform random during warm-up, then the agent's exploration policy.
      if (step_ < settings_.warmup_steps) {
        envs::draw_uniform_action(spec_, replay_rng_, action);
      } else {
        float* state_data = state.data_ptr<float>();
        for (int k = 0; k < spec_.observation_size; ++k)
          state_data[k] = static_cast<float>(observation_[k]);
        const torch::Tensor chosen =
            act_on_host_states(*agent_, state, /*explore=*/true, acting_generator_, device_);
        const float* chosen_data = chosen.data_ptr<float>();
        action.assign(chosen_data, chosen_data + spec_.action_size);
      }
      const envs::StepOutcome outcome = env_->step(action, next_observation);
      std::copy(observation_.begin(), observation_.end(), observation_f.begin());
      std::copy(action.begin(), action.end(), action_f.begin());
      next_observation_f.assign(next_observation.begin(), next_observation.end());
      replay_.add(observation_f.data(), action_f.data(), static_cast<float>(outcome.reward),
                  next_observation_f.data(), outcome.terminal, outcome.truncated);
      episode_actions_.insert(episode_actions_.end(), action.begin(), action.end());
      episode_return_ += outcome.reward;
      ++step_;

      // Learn: updates_per_step updates per environment step once warm-up is over.
      if (step_ >= settings_.warmup_steps && replay_.size() >= 1) {
        for (std::int64_t u = 0; u < settings_.updates_per_step; ++u) {
          replay_.sample(settings_.batch_size, replay_rng_, batch);
          agent_->update(copy_to_device(batch, device_, device_batch), statistics);
          check_finite(statistics);
          for (std::size_t i = 0; i < statistics.size(); ++i) statistic_sums_[i] += statistics[i];
          ++statistic_updates_;
          ++updates_;
        }
      }

      // Episode boundary: time limits and true terminals both start a new episode.
      if (outcome.terminal || outcome.truncated) {
        last_episode_return_ = episode_return_;
        episode_return_ = 0;
        ++episodes_;
        episode_actions_.clear();
        env_->reset(derived_seed(identity_.seed, kTrainingEpisodeSeeds, episodes_), observation_);
      } else {
        observation_.swap(next_observation);
      }

      if (step_ % settings_.log_every == 0 || step_ == settings_.total_steps)
        write_train_row(train_csv, started);
      if (step_ % settings_.eval_every == 0 || step_ == settings_.total_steps) evaluate(eval_csv);
      if (step_ % settings_.checkpoint_every == 0 || step_ == settings_.total_steps)
        write_checkpoint();

      // A stop request (SIGINT, SIGTERM) ends the run here, after a complete step, with a
      // checkpoint of this step: the resumed run continues exactly as if never stopped.
      if (const int signal = stop_signal(); signal != 0 && step_ < settings_.total_steps) {
        if (last_checkpoint_step_ != step_) write_checkpoint();
        const std::string message =
            "stopped by " + std::string(sigabbrev(signal)) + " at step " + std::to_string(step_) +
            " with a checkpoint; continue with 'rfm train --resume " + run_dir_.string() + "'";
        if (log_) log_ << message << std::endl;
        throw Interrupted(signal, message);
      }
    }
    say("done: " + std::to_string(step_) + " steps in " + format_duration(seconds_since(started)) +
        ", last evaluation return " + format_number(last_evaluation_.return_mean));
  }

  EvaluationResult evaluate_now(std::int64_t episodes) {
    if (episodes > 0 && episodes != settings_.eval_episodes)
      evaluator_ = std::make_unique<Evaluator>(identity_.task, identity_.seed, episodes,
                                               hooks_.model_dir, device_);
    EvaluationResult result = evaluator_->run(*agent_);
    result.step = step_;
    return result;
  }

 private:
  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  void say(const std::string& line) {
    if (hooks_.progress) *hooks_.progress << line << std::endl;
    if (log_) log_ << line << std::endl;
  }

  std::string train_header() const {
    std::string header = "step,updates,episodes,last_episode_return";
    for (const auto& info : agent_->statistics()) header += "," + info.name;
    return header + ",steps_per_s,elapsed_s";
  }

  std::ofstream open_csv(const std::string& name, const std::string& header) {
    const fs::path path = run_dir_ / name;
    const bool fresh = !fs::exists(path);
    std::ofstream file(path, std::ios::app);
    if (!file) throw Error("cannot write '" + path.string() + "'");
    if (fresh) file << header << "\n" << std::flush;
    return file;
  }

  // A CSV row that did not reach the file (a full disk) stops the run: its checkpoint and the rows
  // before it stay, and a resume drops any part of the row.
  void check_written(const std::ofstream& csv, const std::string& name) {
    if (csv) return;
    const std::string message = "cannot append to '" + (run_dir_ / name).string() + "' at step " +
                                std::to_string(step_) + " (" + describe_errno(errno) + ")";
    if (log_) log_ << "error: " << message << std::endl;
    throw Error(message);
  }

  void check_finite(const std::vector<double>& statistics) const {
    const auto& infos = agent_->statistics();
    for (std::size_t i = 0; i < statistics.size(); ++i)
      if (!std::isfinite(statistics[i]))
        throw Error("training diverged at step " + std::to_string(step_) + ": " + infos[i].name +
                    " is " + format_number(statistics[i]) +
                    "; the run folder keeps its last checkpoint");
  }

  void write_train_row(std::ofstream& csv, std::chrono::steady_clock::time_point started) {
    const double interval_seconds = seconds_since(interval_clock_);
    const double steps_per_second =
        (step_ - interval_start_step_) / std::max(interval_seconds, 1e-9);
    interval_clock_ = std::chrono::steady_clock::now();
    std::string row = std::to_string(step_) + "," + std::to_string(updates_) + "," +
                      std::to_string(episodes_) + "," + format_number(last_episode_return_);
    for (double sum : statistic_sums_)
      row += "," + format_number(statistic_updates_ > 0 ? sum / statistic_updates_ : 0.0);
    row += "," + format_number(steps_per_second) + "," + format_number(seconds_since(started));
    csv << row << "\n" << std::flush;
    check_written(csv, kTrainCsvFile);
    std::fill(statistic_sums_.begin(), statistic_sums_.end(), 0.0);
    statistic_updates_ = 0;
    interval_start_step_ = step_;
    // Progress line: steps, speed, ETA, last evaluation. The ETA is the last interval's rate
    // carried to the end, so during warm-up (random actions, no updates, far faster than learning
    // steps) the line says where warm-up ends instead.
    std::string line =
        "step " + std::to_string(step_) + "/" + std::to_string(settings_.total_steps) + "  " +
        format_number(std::round(steps_per_second * 10) / 10) + " steps/s  " +
        (step_ <= settings_.warmup_steps
             ? "warm-up until step " + std::to_string(settings_.warmup_steps)
             : "ETA " + format_duration((settings_.total_steps - step_) / steps_per_second));
    if (last_evaluation_.episodes > 0)
      line += "  eval " + format_number(std::round(last_evaluation_.return_mean * 10) / 10) +
              " (step " + std::to_string(last_evaluation_.step) + ")";
    say(line);
  }

  void evaluate(std::ofstream& csv) {
    const auto started = std::chrono::steady_clock::now();
    last_evaluation_ = evaluate_now(0);
    csv << step_ << "," << format_number(last_evaluation_.return_mean) << ","
        << format_number(last_evaluation_.return_std) << "," << last_evaluation_.episodes << ","
        << format_number(last_evaluation_.return_min) << ","
        << format_number(last_evaluation_.return_max) << ","
        << format_number(seconds_since(started)) << "\n"
        << std::flush;
    check_written(csv, kEvalCsvFile);
    say("evaluation at step " + std::to_string(step_) + ": return " +
        format_number(last_evaluation_.return_mean) + " ± " +
        format_number(last_evaluation_.return_std) + " over " +
        std::to_string(last_evaluation_.episodes) + " episodes");
  }

  void write_checkpoint() {
    std::ostringstream header;
    write_checkpoint_identity(header, {identity_.algorithm, identity_.task, identity_.seed,
                                       spec_.observation_size, spec_.action_size, step_});
    header << ' ' << episodes_ << ' ' << format_number_exact(episode_return_) << ' '
           << format_number_exact(last_episode_return_) << ' ' << updates_ << ' '
           << statistic_updates_ << ' ' << interval_start_step_;
    for (double sum : statistic_sums_) header << ' ' << format_number_exact(sum);
    header << ' ';
    replay_rng_.save(header);
    CheckpointWriter file;
    file.put_blob(header.str());
    std::ostringstream agent_state;
    agent_->save(agent_state);
    file.put_blob(agent_state.str());
    std::ostringstream replay_state;
    replay_.save(replay_state);
    file.put_blob(replay_state.str());
    file.put_blob(generator_bytes(acting_generator_));
    file.put<std::uint64_t>(episode_actions_.size() / spec_.action_size);
    for (double value : episode_actions_) file.put(value);
    const std::string data = file.finish();
    try {
      fs::create_directories(run_dir_ / "checkpoint");
      write_file_atomically((run_dir_ / kCheckpointFile).string(), data);
    } catch (const std::exception& error) {
      const std::string kept =
          last_checkpoint_step_ >= 0
              ? "the run keeps its checkpoint at step " + std::to_string(last_checkpoint_step_)
              : "the run has no checkpoint yet";
      const std::string message = "checkpoint at step " + std::to_string(step_) + " not written (" +
                                  error.what() + "); " + kept;
      if (log_) log_ << "error: " << message << std::endl;
      throw Error(message);
    }
    last_checkpoint_step_ = step_;
  }

  // "SIGINT" for SIGINT: the name a user typed Ctrl-C or kill for.
  static const char* sigabbrev(int signal) {
    return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
  }

  // Doubles as text that reads back bit-exactly.
  static std::string format_number_exact(double value) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
  }

  RunIdentity identity_;
  TrainerSettings settings_;
  c10::Device device_;
  fs::path run_dir_;
  TrainerHooks hooks_;
  std::unique_ptr<envs::Env> env_;
  envs::TaskSpec spec_;
  ReplayBuffer replay_;
  Rng replay_rng_;  // warm-up actions and replay sampling
  at::Generator acting_generator_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<Evaluator> evaluator_;
  std::ofstream log_;

  std::vector<double> observation_;
  std::vector<double> episode_actions_;  // the unfinished episode's actions, for resuming
  std::int64_t step_ = 0, episodes_ = 0, updates_ = 0;
  double episode_return_ = 0, last_episode_return_ = 0;
  std::vector<double> statistic_sums_;  // since the last train.csv row
  std::int64_t statistic_updates_ = 0, interval_start_step_ = 0;
  std::int64_t last_checkpoint_step_ = -1;  // of this process's or the restored checkpoint
  std::chrono::steady_clock::time_point interval_clock_;
  EvaluationResult last_evaluation_;
};

}  // namespace

void set_run_identity(Config& config, const RunIdentity& identity) {
  config.define("run.algorithm", identity.algorithm);
  config.define("run.task", identity.task);
  config.define("run.seed", static_cast<std::int64_t>(identity.seed));
}

RunIdentity run_identity(const Config& config) {
  RunIdentity identity;
  identity.algorithm = config.get_string("run.algorithm");
  identity.task = config.get_string("run.task");
  identity.seed = static_cast<std::uint64_t>(config.get_int("run.seed"));
  return identity;
}

void check_trainer_settings(const Config& config) {
  TrainerSettings::from_config(config);
}

namespace {

// A fresh run in run_dir: everything (task, agent, buffers) is built before `before_writing` runs
// and a file is written, so bad settings leave nothing behind.
void start_run(const Config& config, const std::string& run_dir, const AgentFactory& factory,
               const TrainerHooks& hooks, const std::function<void()>& before_writing = {}) {
  Session session(config, run_dir, factory, hooks);
  if (before_writing) before_writing();
  Config recorded = config;
  add_provenance(recorded, hooks.device);
  fs::create_directories(run_dir);
  write_file_atomically((fs::path(run_dir) / kRunConfigFile).string(), recorded.to_toml());
  session.start();
  session.run();
}

}  // namespace

void train_new_run(const Config& config, const std::string& run_dir, const AgentFactory& factory,
                   const TrainerHooks& hooks) {
  if (run_dir.empty()) throw Error("--out is empty; give a folder for the run");
  if (fs::exists(fs::path(run_dir) / kRunConfigFile))
    throw Error("'" + run_dir + "' already holds a run: " + how_to_continue(run_dir) +
                ", or choose another --out");
  if (fs::exists(run_dir) && !fs::is_directory(run_dir))
    throw Error("--out '" + run_dir + "' is a file, not a folder");
  if (fs::is_directory(run_dir) && !fs::is_empty(run_dir))
    throw Error("--out '" + run_dir +
                "' is a folder that holds other files and no run; choose a new or empty folder");
  start_run(config, run_dir, factory, hooks);
}

void restart_run(const std::string& run_dir, const AgentFactory& factory,
                 const TrainerHooks& hooks) {
  const Config config = read_run_config(run_dir);
  const std::int64_t step = checkpoint_step(run_dir);
  if (step >= 0)
    throw Error("run '" + run_dir + "' has a checkpoint at step " + std::to_string(step) +
                "; continue it with 'rfm train --resume " + run_dir +
                "' (--restart only starts again a run that has none)");
  // Once the session is built (the settings are good), only the files a run writes are removed.
  start_run(config, run_dir, factory, hooks, [&run_dir] { remove_training_outputs(run_dir); });
}

void resume_run(const std::string& run_dir, std::int64_t total_steps, const AgentFactory& factory,
                const TrainerHooks& hooks) {
  Config config = read_run_config(run_dir);
  const fs::path checkpoint = checkpoint_path(run_dir);
  if (!fs::exists(checkpoint))
    throw Error("run '" + run_dir +
                "' has no checkpoint to resume from (it stopped before its first one); start it "
                "again with 'rfm train --restart " +
                run_dir + "'");
  if (total_steps > 0) config.set("trainer.total_steps=" + std::to_string(total_steps));
  Session session(config, run_dir, factory, hooks);
  session.restore(checkpoint);
  if (session.step() >= config.get_int("trainer.total_steps"))
    throw Error("run '" + run_dir + "' is already at step " + std::to_string(session.step()) +
                "; pass --steps N with N larger to train further");
  // Drop what an interrupted process wrote after its last checkpoint (both files checked before
  // either is rewritten), then continue.
  std::vector<std::pair<fs::path, std::string>> kept_rows;
  for (const char* name : {kTrainCsvFile, kEvalCsvFile}) {
    const fs::path path = fs::path(run_dir) / name;
    if (!fs::exists(path)) continue;
    std::string rows = csv_rows_up_to(path.string(), session.step());
    // An empty file (cut before its header) gets the header; rows of this build under another
    // build's columns (an algorithm's statistics changed) would make the file unreadable: refused
    // before anything is written.
    const std::string expected_header = session.csv_header(name);
    if (rows.empty()) rows = expected_header + "\n";
    const std::string header = rows.substr(0, rows.find('\n'));
    if (header != expected_header)
      throw Error("'" + path.string() + "' has other columns than this build writes (" + header +
                  " instead of " + expected_header +
                  "); continue the run with the rfm build that started it");
    kept_rows.emplace_back(path, std::move(rows));
  }
  for (const auto& [path, rows] : kept_rows) write_file_atomically(path.string(), rows);
  if (total_steps > 0)
    write_file_atomically((fs::path(run_dir) / kRunConfigFile).string(), config.to_toml());
  session.run();
}

EvaluationResult evaluate_run(const std::string& run_dir, std::int64_t episodes,
                              const AgentFactory& factory, const TrainerHooks& hooks) {
  const Config config = read_run_config(run_dir);
  const fs::path checkpoint = checkpoint_path(run_dir);
  if (!fs::exists(checkpoint))
    throw Error("run '" + run_dir + "' has no checkpoint to evaluate (" + checkpoint.string() +
                ")");
  Session session(config, run_dir, factory, hooks);
  session.restore(checkpoint);
  return session.evaluate_now(episodes);
}

}  // namespace rfm::rl
