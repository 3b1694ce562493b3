// The process supervisor of `rfm sweep`: children of this program started with their output
// appended to a log file and dying with their parent, and the stop signals (SIGINT, SIGTERM)
// passed on to the running ones.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstddef>
#include <string>
#include <vector>

namespace rfm::cli {

// The stop signal received while a ChildrenRegister lived (0: none yet).
int received_stop_signal();

// While it lives, SIGINT and SIGTERM are passed on to the registered children (the caller then
// stops starting new ones and waits for the running ones to end); the old handlers come back
// afterwards. Destroyed early (an error), it stops the children it still holds.
class ChildrenRegister {
 public:
  explicit ChildrenRegister(std::size_t slots);
  ~ChildrenRegister();
  ChildrenRegister(const ChildrenRegister&) = delete;
  ChildrenRegister& operator=(const ChildrenRegister&) = delete;

  // Records a started child in a free slot; returns the slot.
  std::size_t add(pid_t pid);
  // The slot of a child that ended, freed; the slot count when `pid` is not a registered child.
  std::size_t remove(pid_t pid);

 private:
  struct sigaction previous_[2]{};  // SIGINT's and SIGTERM's handlers before
};

// Starts this program (/proc/self/exe) with `arguments` as a child, its stdin /dev/null and its
// stdout and stderr appended to `log_path`. The child dies with its parent, even when the parent
// is killed with SIGKILL, and has a process group of its own.
pid_t start_child(const std::vector<std::string>& arguments, const std::string& log_path);

}  // namespace rfm::cli
