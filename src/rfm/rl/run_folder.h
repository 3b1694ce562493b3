// A run folder (docs/design.md) and the state it is in: the one definition of its files and of
// "finished", "resumable" and "stopped before its first checkpoint", shared by train, resume,
// restart, eval and sweep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rfm/rl/config.h"

namespace rfm::rl {

// The files `rfm train` writes in a run folder, relative to it.
inline constexpr const char* kRunConfigFile = "config.toml";
inline constexpr const char* kTrainCsvFile = "train.csv";
inline constexpr const char* kEvalCsvFile = "eval.csv";
inline constexpr const char* kRunLogFile = "log.txt";
// (and kCheckpointFile, checkpoint/state.bin, rl/checkpoint_file.h)

// Where a run stands, read from its folder without building anything.
struct RunProgress {
  bool exists = false;                // the folder exists
  std::int64_t checkpoint_step = -1;  // the checkpoint's step; -1 without one
  std::int64_t evaluated_step = -1;   // the last row of eval.csv; -1 without one or unreadable

  // Trained to `total_steps`: its checkpoint says so, or, when the checkpoint was deleted (results
  // kept without it), its last evaluation does.
  bool finished(std::int64_t total_steps) const {
    return checkpoint_step >= 0 ? checkpoint_step >= total_steps : evaluated_step >= total_steps;
  }
  // Stopped before reaching total_steps with a checkpoint to continue from.
  bool resumable(std::int64_t total_steps) const {
    return checkpoint_step >= 0 && checkpoint_step < total_steps;
  }
};

// The progress of the run in run_dir (exists = false for a missing path). Throws rfm::Error for a
// path that is not a folder, or for a damaged or foreign checkpoint file.
RunProgress read_run_progress(const std::string& run_dir);

// The configuration stored in a run folder, with a clear error if there is none.
Config read_run_config(const std::string& run_dir);

// The environment step of the run's checkpoint, read from its header without loading it; -1 when
// the run folder has no checkpoint yet. Throws rfm::Error for a foreign or truncated file.
std::int64_t checkpoint_step(const std::string& run_dir);

// The path of the run's checkpoint file.
std::string checkpoint_path(const std::string& run_dir);

// What a user is told to do with a run folder that is in the way: --resume when it has a
// checkpoint, --restart when it stopped before its first one.
std::string how_to_continue(const std::string& run_dir);

// The first entry of run_dir that `rfm train` does not write (its *.tmp files included), or "" when
// the folder holds only a run's files: a folder that may be deleted and trained again.
std::string first_foreign_entry(const std::string& run_dir);

// Removes what training writes (CSVs, log, checkpoint), keeping config.toml.
void remove_training_outputs(const std::string& run_dir);

// The header and the rows whose first field (the step) is at most `last_step`: the part of a CSV an
// interrupted run had written up to its checkpoint (a half-written last row is dropped). Throws
// rfm::Error on a row without a step.
std::string csv_rows_up_to(const std::string& path, std::int64_t last_step);

}  // namespace rfm::rl
