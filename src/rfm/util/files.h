// Whole-file reading and outputs that appear all at once or not at all, for the commands that
// write result files (rfm plot, rfm report).
#pragma once

#include <string>

namespace rfm {

// The contents of a file; throws rfm::Error when it cannot be read.
std::string read_file(const std::string& path);

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
  // Renames the temporary file onto the final path.
  void commit();

 private:
  std::string final_path_, temporary_path_;
  bool committed_ = false;
};

}  // namespace rfm
