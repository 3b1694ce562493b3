// Evaluation of an agent in environments of its own (docs/design.md): M episodes in lockstep with
// one batched act per step, every episode from the same seed at every evaluation and the acting
// stream re-seeded, so that an evaluation depends on the agent's parameters alone.
#pragma once

#include <ATen/core/Generator.h>
#include <c10/core/Device.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rfm/envs/env.h"
#include "rfm/rl/agent.h"

namespace rfm::rl {

struct EvaluationResult {
  double return_mean = 0, return_std = 0, return_min = 0, return_max = 0;
  std::int64_t episodes = 0;
  std::int64_t step = 0;  // the environment step of the agent evaluated
};

class Evaluator {
 public:
  // `episodes` environments of `task`; `run_seed` fixes their start states and the acting stream.
  Evaluator(const std::string& task, std::uint64_t run_seed, std::int64_t episodes,
            const std::string& model_dir, c10::Device device);
  ~Evaluator();

  // The agent's evaluation-mode returns (EvaluationResult::step is left 0).
  EvaluationResult run(Agent& agent);
  std::int64_t episodes() const { return static_cast<std::int64_t>(envs_.size()); }

 private:
  std::uint64_t run_seed_;
  c10::Device device_;
  std::vector<std::unique_ptr<envs::Env>> envs_;
  at::Generator generator_;
};

// The agent's actions for host-side states [N, obs]: the states go to `device`, the actions
// come back as a contiguous CPU tensor for the environments.
torch::Tensor act_on_host_states(Agent& agent, const torch::Tensor& states, bool explore,
                                 at::Generator& generator, c10::Device device);

}  // namespace rfm::rl
