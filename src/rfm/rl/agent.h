// What the trainer needs from an algorithm: act on a batch of observations, learn from a replay
// batch, report named statistics, and save or restore its whole state (networks, optimisers, its
// random stream). Each algorithm implements it in one file under src/rfm/agents/.
#pragma once

#include <c10/core/Device.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "rfm/envs/env.h"
#include "rfm/rl/replay_buffer.h"

namespace rfm::rl {

class Config;

// A column of train.csv. Wall-clock columns differ between otherwise identical runs; every other
// column is a deterministic function of the seed (docs/design.md conventions).
struct StatisticInfo {
  std::string name;
  bool wall_clock = false;
};

class Agent {
 public:
  virtual ~Agent() = default;

  // observations [N, obs_dim] float32 → actions [N, act_dim] in [−1, 1], with the caller's random
  // stream (the trainer keeps one for data collection and a re-seeded one for evaluation).
  // Exploration draws from the policy; evaluation picks the policy's best guess.
  virtual torch::Tensor act(const torch::Tensor& observations, bool explore,
                            at::Generator& generator) = 0;

  // One gradient update from a replay batch; writes one value per statistics() entry.
  virtual void update(const TransitionBatch& batch, std::vector<double>& statistics) = 0;
  virtual const std::vector<StatisticInfo>& statistics() const = 0;

  // Everything needed to continue training bit-for-bit: parameters, optimiser moments and
  // step counts, target networks, the random stream of its updates. load throws
  // rfm::Error on a mismatch.
  virtual void save(std::ostream& out) = 0;
  virtual void load(std::istream& in) = 0;
};

// What an agent is built with besides its configuration. `seed` fixes its initial weights and the
// random stream of its updates (agents::initial_weights_generator, agents::update_generator);
// nothing an agent draws comes from LibTorch's global generator. `device` is where its networks
// live and its updates run.
struct AgentContext {
  std::uint64_t seed = 0;
  c10::Device device = c10::Device(c10::kCPU);
};

// Builds an agent for a task from a resolved configuration.
using AgentFactory = std::function<std::unique_ptr<Agent>(
    const Config& config, const envs::TaskSpec& spec, const AgentContext& context)>;

}  // namespace rfm::rl
