#include "rfm/rl/evaluator.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "rfm/envs/registry.h"
#include "rfm/flow/source.h"
#include "rfm/rl/run_seeds.h"
#include "rfm/util/rng.h"

namespace rfm::rl {

torch::Tensor act_on_host_states(Agent& agent, const torch::Tensor& states, bool explore,
                                 at::Generator& generator, c10::Device device) {
  if (device.is_cpu()) return agent.act(states, explore, generator).contiguous();
  return agent.act(states.to(device), explore, generator).to(c10::kCPU).contiguous();
}

Evaluator::Evaluator(const std::string& task, std::uint64_t run_seed, std::int64_t episodes,
                     const std::string& model_dir, c10::Device device)
    : run_seed_(run_seed), device_(device), generator_(flow::make_generator(0, device)) {
  for (std::int64_t i = 0; i < episodes; ++i) envs_.push_back(envs::make_env(task, model_dir));
}

Evaluator::~Evaluator() = default;

EvaluationResult Evaluator::run(Agent& agent) {
  const auto& spec = envs_.front()->spec();
  const std::int64_t count = episodes();
  // Reset: the acting stream and every episode's start from their fixed seeds.
  {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_current_seed(derived_seed(run_seed_, kEvaluationActingSeed, 0));
  }
  std::vector<std::vector<double>> observations(count);
  std::vector<double> returns(count, 0.0), action;
  std::vector<std::int64_t> active;
  for (std::int64_t j = 0; j < count; ++j) {
    envs_[j]->reset(derived_seed(run_seed_, kEvaluationEpisodeSeeds, j), observations[j]);
    active.push_back(j);
  }
  // Lockstep: one batched act for the episodes still running, then a step of each.
  torch::Tensor batch = torch::empty({count, spec.observation_size});
  while (!active.empty()) {
    const std::int64_t rows = static_cast<std::int64_t>(active.size());
    torch::Tensor states = batch.narrow(0, 0, rows);
    auto accessor = states.accessor<float, 2>();
    for (std::int64_t i = 0; i < rows; ++i)
      for (int k = 0; k < spec.observation_size; ++k)
        accessor[i][k] = static_cast<float>(observations[active[i]][k]);
    const torch::Tensor actions =
        act_on_host_states(agent, states, /*explore=*/false, generator_, device_);
    const float* action_data = actions.data_ptr<float>();
    std::vector<std::int64_t> still_active;
    for (std::int64_t i = 0; i < rows; ++i) {
      const std::int64_t j = active[i];
      action.assign(action_data + i * spec.action_size, action_data + (i + 1) * spec.action_size);
      const envs::StepOutcome outcome = envs_[j]->step(action, observations[j]);
      returns[j] += outcome.reward;
      if (!outcome.terminal && !outcome.truncated) still_active.push_back(j);
    }
    active.swap(still_active);
  }
  // Summary: mean, population standard deviation, range.
  EvaluationResult result;
  result.episodes = count;
  double sum = 0, squares = 0;
  result.return_min = returns[0];
  result.return_max = returns[0];
  for (double r : returns) {
    sum += r;
    squares += r * r;
    result.return_min = std::min(result.return_min, r);
    result.return_max = std::max(result.return_max, r);
  }
  result.return_mean = sum / count;
  result.return_std =
      std::sqrt(std::max(0.0, squares / count - result.return_mean * result.return_mean));
  return result;
}

}  // namespace rfm::rl
