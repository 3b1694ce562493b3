// The online training loop and its run folder (docs/design.md): uniform random warm-up, then acting
// with the agent and `updates_per_step` updates per environment step; evaluation every N steps over
// M episodes in environments of its own with a fixed seed schedule; train.csv, eval.csv, log.txt,
// and an atomic checkpoint that holds everything needed to continue bit-for-bit.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "rfm/rl/agent.h"
#include "rfm/rl/config.h"
#include "rfm/rl/evaluator.h"

namespace rfm::rl {

// The run's identity, stored in config.toml's [run] table.
struct RunIdentity {
  std::string algorithm;
  std::string task;
  std::uint64_t seed = 0;
};

// What a run is trained with besides its config.toml: properties of the machine and the caller.
struct TrainerHooks {
  std::string model_dir;             // MJCF models ("" = the built-in ones)
  std::ostream* progress = nullptr;  // progress lines (also written to the run's log.txt)
  c10::Device device = c10::Device(c10::kCPU);  // where the agent's networks live (rl/device.h)
};

// Adds the [run] table to a configuration.
void set_run_identity(Config& config, const RunIdentity& identity);
RunIdentity run_identity(const Config& config);

// Checks the trainer.* keys (types and ranges) as a run would, without creating anything; throws
// rfm::Error naming the first bad key.
void check_trainer_settings(const Config& config);

// Creates run_dir (which must be new or an empty folder) and trains from step 0. A stop request
// (rfm::stop_signal, from SIGINT or SIGTERM) ends training after the current step with a checkpoint
// and throws rfm::Interrupted; so do resume_run and restart_run.
void train_new_run(const Config& config, const std::string& run_dir, const AgentFactory& factory,
                   const TrainerHooks& hooks);

// Starts the run in run_dir again from step 0 with its config.toml, when it stopped before its
// first checkpoint (its CSVs and log are discarded); refused when it has a checkpoint.
void restart_run(const std::string& run_dir, const AgentFactory& factory,
                 const TrainerHooks& hooks);

// Continues the run in run_dir from its checkpoint; total_steps > 0 sets a new total.
void resume_run(const std::string& run_dir, std::int64_t total_steps, const AgentFactory& factory,
                const TrainerHooks& hooks);

// Evaluates the run's last checkpoint over `episodes` episodes (0 = trainer.eval_episodes) with the
// trainer's evaluation seed schedule (rl/evaluator.h); writes nothing. The result's step is the
// checkpoint's.
EvaluationResult evaluate_run(const std::string& run_dir, std::int64_t episodes,
                              const AgentFactory& factory, const TrainerHooks& hooks);

}  // namespace rfm::rl
