// Runs the built rfm program and captures its exit status and output (stdout and stderr).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace rfm::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `rfm <arguments>` through the shell; arguments are passed as written. `environment`, if
// given, is a prefix such as "RFM_MODEL_DIR=/x".
inline CommandResult run_rfm(const std::string& arguments, const std::string& environment = "") {
  const std::string command =
      environment + " " + std::string(RFM_BINARY) + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe)) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Number of lines in a string.
inline int count_lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

}  // namespace rfm::test
