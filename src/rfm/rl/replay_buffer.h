// Uniform replay buffer over transitions (s, a, r, s', terminal, truncated). Terminal
// and truncation are stored separately: only a terminal stops bootstrapping
// (docs/design.md conventions).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <iosfwd>

#include "rfm/util/rng.h"

namespace rfm::rl {

struct TransitionBatch {
  torch::Tensor observations;       // [B, obs_dim] float32
  torch::Tensor actions;            // [B, act_dim]
  torch::Tensor rewards;            // [B]
  torch::Tensor next_observations;  // [B, obs_dim]
  torch::Tensor terminals;          // [B], 1 where the episode truly ended
};

// `batch` itself where `device` is the CPU; elsewhere `batch` copied into `device_batch`, whose
// tensors live on `device` and are allocated on the first call and reused while the size holds.
const TransitionBatch& copy_to_device(const TransitionBatch& batch, c10::Device device,
                                      TransitionBatch& device_batch);

class ReplayBuffer {
 public:
  ReplayBuffer(std::int64_t capacity, int observation_size, int action_size);

  // Appends one transition, overwriting the oldest once full.
  void add(const float* observation, const float* action, float reward,
           const float* next_observation, bool terminal, bool truncated);

  std::int64_t size() const { return size_; }
  std::int64_t capacity() const { return capacity_; }

  // Fills `batch` with batch_size transitions drawn uniformly with replacement using `rng`.
  // The batch's tensors are allocated on its first use and reused while the size is unchanged.
  void sample(std::int64_t batch_size, Rng& rng, TransitionBatch& batch);

  // Binary state for checkpoints; load checks sizes and throws rfm::Error on a mismatch or a
  // truncated stream.
  void save(std::ostream& out) const;
  void load(std::istream& in);

  // The stored truncation flags (for inspection and tests).
  const torch::Tensor& truncations() const { return truncated_; }
  const torch::Tensor& terminals() const { return terminal_; }

 private:
  std::int64_t capacity_, size_ = 0, next_ = 0;
  int observation_size_, action_size_;
  torch::Tensor observations_, actions_, rewards_, next_observations_, terminal_, truncated_;
  torch::Tensor indices_;  // reused index buffer for sampling
};

}  // namespace rfm::rl
