// The environment interface every task implements, and the task description users see.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rfm/util/rng.h"

namespace rfm::envs {

struct TaskSpec {
  std::string name;                  // e.g. "cheetah-run"
  int observation_size = 0;          // length of the flattened observation
  int action_size = 0;               // length of the action vector
  std::vector<double> action_lower;  // per-dimension action bounds
  std::vector<double> action_upper;
  double control_timestep = 0;  // seconds of simulated time per agent step
  int episode_steps = 0;        // agent steps before the time-limit truncation
};

struct StepOutcome {
  double reward = 0;
  bool terminal = false;   // the task really ended: do not bootstrap
  bool truncated = false;  // the time limit ended the episode: bootstrap
};

class Env {
 public:
  virtual ~Env() = default;

  virtual const TaskSpec& spec() const = 0;

  // Seeds the task's random stream; following resets continue that stream.
  virtual void seed(std::uint64_t seed) = 0;
  // Starts an episode and writes the first observation (resized to observation_size).
  virtual void reset(std::vector<double>& observation) = 0;
  // Applies an action for one control step. Throws rfm::Error on an action of the wrong size or
  // with a non-finite entry, and rfm::PhysicsError when the simulator reports a warning.
  virtual StepOutcome step(const std::vector<double>& action, std::vector<double>& observation) = 0;

  void reset(std::uint64_t seed_value, std::vector<double>& observation) {
    seed(seed_value);
    reset(observation);
  }
};

// Checks an action against a spec: size and finiteness (bounds are not enforced, as in
// DeepMind Control). Throws rfm::Error with a message naming the task.
void validate_action(const TaskSpec& spec, const std::vector<double>& action);

// Fills `action` (resized to action_size) with independent uniform draws within the spec's bounds,
// in dimension order: the random policy of rollouts, benchmarks and tests.
void draw_uniform_action(const TaskSpec& spec, Rng& rng, std::vector<double>& action);

}  // namespace rfm::envs
