// Error types shared by the library and the program.
#pragma once

#include <stdexcept>
#include <string>

namespace rfm {

// An error a user can cause (bad input, bad config, a file that does not load). The program prints
// its message as the one line a user sees and exits non-zero.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The physics engine reported a warning (bad qacc, buffer overflow) during a step.
class PhysicsError : public Error {
 public:
  explicit PhysicsError(const std::string& message) : Error(message) {}
};

}  // namespace rfm
