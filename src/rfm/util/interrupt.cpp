#include "rfm/util/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace rfm {

namespace {

std::atomic<int> first_stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  int expected = 0;
  if (!first_stop_signal.compare_exchange_strong(expected, signal)) {
    // A second stop: quit now. Checkpoints are renamed into place only when complete, so the last
    // one stays good.
    static constexpr char kQuit[] = "\nrfm: stopped at once; the run keeps its last checkpoint\n";
    [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, kQuit, sizeof kQuit - 1);
    _exit(128 + signal);
  }
  static constexpr char kStopping[] =
      "\nrfm: stopping after this step and saving a checkpoint (again to quit at once)\n";
  [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, kStopping, sizeof kStopping - 1);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stop_signal() {
  return first_stop_signal.load();
}

}  // namespace rfm
