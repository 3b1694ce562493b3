// Stop requests for long work (training): the first SIGINT or SIGTERM asks the work to stop at its
// next safe point (a finished environment step, a checkpoint written); a second one ends the
// process at once, leaving the last complete checkpoint as it was.
#pragma once

#include <string>

#include "rfm/util/error.h"

namespace rfm {

// Installs the handlers for SIGINT and SIGTERM; safe to call more than once.
void install_stop_handlers();

// 0 while no stop was requested, else the number of the first stop signal.
int stop_signal();

// Thrown by work that stopped on request after saving what it had; main() prints nothing more and
// exits 128 + signal, as a process killed by the signal would report in a shell.
class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

}  // namespace rfm
