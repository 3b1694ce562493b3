// Whole-file reading and outputs that appear all at once or not at all: result files (rfm plot,
// rfm report) and a run folder's files (config.toml, the CSVs rewritten on resume, checkpoints).
// Outputs are written to a temporary file, fsync'ed, renamed into place and the folder fsync'ed, so
// after a crash or power loss a reader sees the old file or the new one, never part of one.
#pragma once

#include <string>

namespace rfm {

// strerror's text for `error` in lower case, to end an error line ("no space left on device").
std::string describe_errno(int error);

// The contents of a file; throws rfm::Error when it cannot be read.
std::string read_file(const std::string& path);

// Refuses, before any work, an output path a command could not write at its end: empty, a folder,
// in a folder that does not exist or that this process may not write into. `option` names the
// command-line option that gave the path ("--out").
void check_output_file(const std::string& path, const std::string& option);

// Writes `text` to `path` through an AtomicOutput; throws rfm::Error naming the cause (for a full
// disk: "no space left on device") after removing the temporary file.
void write_file_atomically(const std::string& path, const std::string& text);

// An output written to `final_path + ".tmp"` and renamed onto `final_path` by commit(); if the
// command fails first, the temporary file is removed, so no partial output is ever left.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& final_path() const { return final_path_; }
  const std::string& temporary_path() const { return temporary_path_; }
  // Writes `text` to the temporary file; throws rfm::Error when that fails.
  void write(const std::string& text) const;
  // Renames the temporary file onto the final path and syncs the folder.
  void commit();

 private:
  std::string final_path_, temporary_path_;
  bool committed_ = false;
};

}  // namespace rfm
