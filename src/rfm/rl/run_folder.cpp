#include "rfm/rl/run_folder.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "rfm/rl/checkpoint_file.h"
#include "rfm/rl/learning_curves.h"
#include "rfm/util/error.h"
#include "rfm/util/files.h"

namespace rfm::rl {

namespace fs = std::filesystem;

namespace {

// The step of the last evaluation in eval.csv; -1 without one, or when the file cannot be read (a
// run killed while writing it is treated as unfinished).
std::int64_t last_evaluated_step(const fs::path& folder) {
  const fs::path eval = folder / kEvalCsvFile;
  std::error_code error;
  if (!fs::exists(eval, error) || !fs::exists(folder / kRunConfigFile, error)) return -1;
  try {
    const EvalCurve curve = read_eval_csv(eval.string());
    return curve.steps.empty() ? -1 : curve.steps.back();
  } catch (const Error&) {
    return -1;
  }
}

}  // namespace

RunProgress read_run_progress(const std::string& run_dir) {
  RunProgress progress;
  std::error_code error;
  if (!fs::exists(run_dir, error)) return progress;
  if (!fs::is_directory(run_dir, error))
    throw Error("'" + run_dir + "' exists and is not a folder");
  progress.exists = true;
  progress.checkpoint_step = checkpoint_step(run_dir);
  if (progress.checkpoint_step < 0) progress.evaluated_step = last_evaluated_step(run_dir);
  return progress;
}

Config read_run_config(const std::string& run_dir) {
  const fs::path path = fs::path(run_dir) / kRunConfigFile;
  if (fs::exists(run_dir) && !fs::is_directory(run_dir))
    throw Error("'" + run_dir + "' is a file, not a run folder");
  if (!fs::is_directory(run_dir)) throw Error("run folder '" + run_dir + "' does not exist");
  if (!fs::exists(path)) throw Error("'" + run_dir + "' is not a run folder (no config.toml)");
  return Config::from_file(path.string());
}

std::string checkpoint_path(const std::string& run_dir) {
  return (fs::path(run_dir) / kCheckpointFile).string();
}

std::int64_t checkpoint_step(const std::string& run_dir) {
  const std::string path = checkpoint_path(run_dir);
  if (!fs::exists(path)) return -1;
  // The whole file is checked (marker and checksum), then the header's leading fields are read.
  CheckpointReader reader(read_file(path), path);
  std::istringstream header(reader.get_blob());
  return read_checkpoint_identity(header, path).step;
}

std::string how_to_continue(const std::string& run_dir) {
  const std::int64_t step = checkpoint_step(run_dir);
  if (step >= 0)
    return "it has a checkpoint at step " + std::to_string(step) +
           "; continue it with 'rfm train --resume " + run_dir + "'";
  return "it stopped before its first checkpoint; start it again with 'rfm train --restart " +
         run_dir + "'";
}

std::string first_foreign_entry(const std::string& run_dir) {
  static const std::set<std::string> kRunEntries = {kRunConfigFile, kTrainCsvFile, kEvalCsvFile,
                                                    kRunLogFile, "checkpoint"};
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    const std::string name = entry.path().filename().string();
    const bool temporary = name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
    if (kRunEntries.count(name) == 0 && !temporary) return name;
  }
  return "";
}

void remove_training_outputs(const std::string& run_dir) {
  for (const char* name : {kTrainCsvFile, kEvalCsvFile, kRunLogFile, "checkpoint"})
    fs::remove_all(fs::path(run_dir) / name);
}

std::string csv_rows_up_to(const std::string& path, std::int64_t last_step) {
  std::string text = read_file(path);
  // A process killed while writing may have left half a row: drop it.
  text.erase(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  std::istringstream in(text);
  std::string kept, line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (!header) {
      const std::string step = line.substr(0, line.find(','));
      char* end = nullptr;
      const long long value = std::strtoll(step.c_str(), &end, 10);
      if (step.empty() || *end != '\0')
        throw Error("'" + path + "' has a row that does not start with a step: '" + line + "'");
      if (value > last_step) break;
    }
    kept += line + "\n";
    header = false;
  }
  return kept;
}

}  // namespace rfm::rl
