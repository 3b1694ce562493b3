// Replay buffer: wrap-around, separate terminal/truncation flags, sampling, checkpoint round trip.
#include "rfm/rl/replay_buffer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <sstream>

#include "rfm/util/error.h"

namespace rfm::rl {
namespace {

// Transition i has observation (i, -i), action (i), reward i, next observation (i + 1, -i - 1).
void add_transition(ReplayBuffer& buffer, int i, bool terminal, bool truncated) {
  const float observation[2] = {float(i), float(-i)};
  const float action[1] = {float(i)};
  const float next_observation[2] = {float(i + 1), float(-i - 1)};
  buffer.add(observation, action, float(i), next_observation, terminal, truncated);
}

TEST(ReplayBuffer, KeepsTheNewestTransitionsAndSamplesConsistentRows) {
  ReplayBuffer buffer(5, 2, 1);
  for (int i = 0; i < 8; ++i) add_transition(buffer, i, i == 6, i == 7);
  EXPECT_EQ(buffer.size(), 5);
  Rng rng(1);
  TransitionBatch batch;
  std::set<int> seen;
  for (int round = 0; round < 20; ++round) {
    buffer.sample(16, rng, batch);
    for (int b = 0; b < 16; ++b) {
      const int i = static_cast<int>(batch.rewards[b].item<float>());
      seen.insert(i);
      EXPECT_EQ(batch.observations[b][1].item<float>(), -i);
      EXPECT_EQ(batch.actions[b][0].item<float>(), i);
      EXPECT_EQ(batch.next_observations[b][0].item<float>(), i + 1);
      // Only the true end is terminal; the truncated transition (7) is not.
      EXPECT_EQ(batch.terminals[b].item<float>(), i == 6 ? 1.0f : 0.0f);
    }
  }
  EXPECT_EQ(seen, (std::set<int>{3, 4, 5, 6, 7}));
  EXPECT_EQ(buffer.truncations().sum().item<float>(), 1.0f);
}

TEST(ReplayBuffer, SameRngStateSameBatches) {
  ReplayBuffer buffer(100, 2, 1);
  for (int i = 0; i < 50; ++i) add_transition(buffer, i, false, false);
  Rng a(7), b(7);
  TransitionBatch first, second;
  buffer.sample(32, a, first);
  buffer.sample(32, b, second);
  EXPECT_TRUE(torch::equal(first.rewards, second.rewards));
}

TEST(ReplayBuffer, CheckpointRoundTripAndRejectsBadInput) {
  ReplayBuffer buffer(6, 2, 1);
  for (int i = 0; i < 9; ++i) add_transition(buffer, i, i % 4 == 0, i % 5 == 0);
  std::stringstream stream;
  buffer.save(stream);
  const std::string bytes = stream.str();

  ReplayBuffer restored(6, 2, 1);
  std::istringstream in(bytes);
  restored.load(in);
  EXPECT_EQ(restored.size(), buffer.size());
  Rng a(3), b(3);
  TransitionBatch x, y;
  buffer.sample(20, a, x);
  restored.sample(20, b, y);
  EXPECT_TRUE(torch::equal(x.observations, y.observations));
  EXPECT_TRUE(torch::equal(x.terminals, y.terminals));
  EXPECT_TRUE(torch::equal(restored.truncations(), buffer.truncations()));
  // Adding after the restore continues at the same position.
  add_transition(buffer, 9, false, false);
  add_transition(restored, 9, false, false);
  buffer.sample(20, a, x);
  restored.sample(20, b, y);
  EXPECT_TRUE(torch::equal(x.rewards, y.rewards));

  ReplayBuffer other_shape(6, 3, 1);
  std::istringstream in2(bytes);
  EXPECT_THROW(other_shape.load(in2), Error);
  ReplayBuffer target(6, 2, 1);
  add_transition(target, 42, false, false);
  std::istringstream truncated(bytes.substr(0, bytes.size() - 5));
  EXPECT_THROW(target.load(truncated), Error);
  EXPECT_EQ(target.size(), 1);  // a failed load leaves the buffer as it was
  std::istringstream garbage("not a checkpoint at all");
  EXPECT_THROW(target.load(garbage), Error);
}

TEST(ReplayBuffer, SamplingAnEmptyBufferIsAnError) {
  ReplayBuffer buffer(4, 2, 1);
  Rng rng(0);
  TransitionBatch batch;
  EXPECT_THROW(buffer.sample(2, rng, batch), Error);
}

}  // namespace
}  // namespace rfm::rl
