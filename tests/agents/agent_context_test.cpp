// An agent is a function of its configuration and its context (seed, device) alone: nothing it
// draws comes from LibTorch's global generator.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "rfm/agents/registry.h"
#include "rfm/flow/source.h"
#include "rfm/rl/bandit_harness.h"
#include "rfm/rl/config.h"

namespace rfm::agents {
namespace {

// What an agent does from `context`: the deterministic statistics of `updates` updates on the
// bandit harness, then exploring actions drawn with a fixed generator. (Checkpoint bytes cannot
// serve: LibTorch's archives carry a serialisation id of their own.)
std::vector<double> behaviour(const AlgorithmInfo& algorithm, const rl::AgentContext& context,
                              int updates) {
  const rl::Config config = rl::Config::from_preset(RFM_CONFIGS_DIR, algorithm.name, "cpu");
  const std::unique_ptr<rl::Agent> agent =
      algorithm.factory(config, rl::bandit_task_spec(), context);
  rl::BanditHarness harness(/*replay_size=*/64, /*batch_size=*/4, /*seed=*/3);
  std::vector<double> statistics, observed;
  for (int update = 0; update < updates; ++update) {
    harness.update(*agent, statistics);
    for (std::size_t i = 0; i < statistics.size(); ++i)
      if (!agent->statistics()[i].wall_clock) observed.push_back(statistics[i]);
  }
  at::Generator generator = flow::make_generator(9);
  const torch::Tensor actions = agent->act(torch::ones({8, 1}), /*explore=*/true, generator);
  const auto values = actions.to(torch::kFloat64).contiguous();
  observed.insert(observed.end(), values.data_ptr<double>(),
                  values.data_ptr<double>() + values.numel());
  return observed;
}

TEST(AgentContext, EveryAgentIsFixedByItsSeedWhateverTheGlobalGenerator) {
  for (const AlgorithmInfo& algorithm : algorithms()) {
    torch::manual_seed(100);
    const std::vector<double> first = behaviour(algorithm, rl::AgentContext{5}, 2);
    torch::manual_seed(200);
    (void)torch::randn({17});
    const std::vector<double> again = behaviour(algorithm, rl::AgentContext{5}, 2);
    const std::vector<double> other_seed = behaviour(algorithm, rl::AgentContext{6}, 2);
    EXPECT_TRUE(first == again) << algorithm.name << ": the global generator changed the agent";
    EXPECT_TRUE(first != other_seed) << algorithm.name << ": another seed gave the same agent";
  }
}

}  // namespace
}  // namespace rfm::agents
