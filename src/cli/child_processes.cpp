#include "cli/child_processes.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>

#include "rfm/util/error.h"

namespace rfm::cli {

namespace {

// The running children's process ids, one slot per job (0 when free), and the stop signal
// received, if any. The signal handler reads them, possibly on another thread: hence atomics.
std::unique_ptr<std::atomic<pid_t>[]> running_children;
std::size_t running_slots = 0;
std::atomic<int> stop_signal{0};

void forward_stop_signal(int signal) {
  stop_signal.store(signal);
  for (std::size_t i = 0; i < running_slots; ++i) {
    const pid_t pid = running_children[i].load();
    if (pid > 0) kill(pid, signal);
  }
}

constexpr int kStopSignals[] = {SIGINT, SIGTERM};
static_assert(std::size(kStopSignals) == 2, "ChildrenRegister::previous_ holds one handler each");
// Exit status of a child that could not become the program (the parent died first, or exec
// failed).
constexpr int kChildSetupFailed = 127;

}  // namespace

int received_stop_signal() {
  return stop_signal.load();
}

ChildrenRegister::ChildrenRegister(std::size_t slots) {
  running_children = std::make_unique<std::atomic<pid_t>[]>(slots);
  for (std::size_t i = 0; i < slots; ++i) running_children[i].store(0);
  running_slots = slots;
  struct sigaction action {};
  action.sa_handler = forward_stop_signal;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < std::size(kStopSignals); ++i)
    sigaction(kStopSignals[i], &action, &previous_[i]);
}

ChildrenRegister::~ChildrenRegister() {
  for (std::size_t i = 0; i < running_slots; ++i)
    if (const pid_t pid = running_children[i].load(); pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  for (std::size_t i = 0; i < std::size(kStopSignals); ++i)
    sigaction(kStopSignals[i], &previous_[i], nullptr);
  running_slots = 0;
}

std::size_t ChildrenRegister::add(pid_t pid) {
  for (std::size_t i = 0; i < running_slots; ++i)
    if (running_children[i].load() == 0) {
      running_children[i].store(pid);
      // A stop signal that came while the child was being started did not reach it.
      if (const int signal = stop_signal.load()) kill(pid, signal);
      return i;
    }
  throw Error("internal: more runs than --jobs");
}

std::size_t ChildrenRegister::remove(pid_t pid) {
  for (std::size_t i = 0; i < running_slots; ++i)
    if (running_children[i].load() == pid) {
      running_children[i].store(0);
      return i;
    }
  return running_slots;
}

// Starts this program (/proc/self/exe) with `arguments` as a child, its stdin /dev/null and its
// stdout and stderr appended to `log_path`. The child dies with the sweep, even when the sweep is
// killed with SIGKILL.
pid_t start_child(const std::vector<std::string>& arguments, const std::string& log_path) {
  // Everything the child needs is made before fork: between fork and exec it makes only
  // async-signal-safe calls.
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw Error("cannot write '" + log_path + "': " + std::strerror(errno));
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  static constexpr char kExecFailed[] = "rfm sweep: cannot run /proc/self/exe\n";

  // The stop signals stay blocked until the child has their default handlers back, so that the
  // sweep's handler never runs in the child.
  sigset_t stop_signals, previous_mask;
  sigemptyset(&stop_signals);
  for (const int signal : kStopSignals) sigaddset(&stop_signals, signal);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous_mask);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (const int signal : kStopSignals) sigaction(signal, &default_action, nullptr);
    sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    // Killed when the sweep dies; if it died before prctl took effect, the parent has changed.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(kChildSetupFailed);
    // A process group of its own: a terminal's Ctrl-C reaches only the sweep, which passes one stop
    // signal on (two would make the run quit without its stop checkpoint).
    setpgid(0, 0);
    dup2(null, STDIN_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execv("/proc/self/exe", argv.data());
    [[maybe_unused]] const ssize_t written =
        write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(kChildSetupFailed);
  }
  const int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  close(log);
  if (null >= 0) close(null);
  if (pid < 0) throw Error(std::string("cannot start a run (fork): ") + std::strerror(fork_error));
  return pid;
}

}  // namespace rfm::cli
