// Soft actor-critic (docs/algorithms.md §4; Haarnoja et al. 2018, the version with a
// learned entropy coefficient): a tanh-Gaussian policy trained to minimise E[α log π(a|s) −
// min Q(s, a)], the critic ensemble trained on the soft Q backup, and α = exp(log α) tuned
// toward a target entropy.
#pragma once

#include <torch/types.h>

#include <cmath>
#include <memory>
#include <vector>

#include "rfm/agents/critic_learner.h"
#include "rfm/nn/networks.h"
#include "rfm/rl/agent.h"

namespace torch::optim {
class Optimizer;
}
namespace rfm::rl {
class Config;
}

namespace rfm::agents {

struct SacOptions {
  CommonUpdateOptions common;        // trainer.* keys shared by all agents
  double initial_temperature = 1.0;  // α before any update
  bool learn_temperature = true;     // false keeps α at its initial value
  double temperature_learning_rate = 3e-4;
  double target_entropy_per_dimension = -1.0;  // target entropy = this × |A|
  double log_std_min = -20.0, log_std_max = 2.0;
  // Reads the sac.* and trainer.* keys, with range checks naming the key.
  static SacOptions from_config(const rl::Config& config);
};

// Draws of the tanh-Gaussian policy: u = μ + σ ε, a = tanh(u), and log π(a|s).
struct SquashedGaussianDraws {
  torch::Tensor noise;      // ε [N, d]
  torch::Tensor actions;    // a [N, d]
  torch::Tensor log_probs;  // log π(a|s) [N]
};

// What one update computed, kept when tracing is on (tests recompute §4 from it).
struct SacUpdateTrace {
  torch::Tensor next_noise, next_actions, next_log_probs;  // ε', a', log π(a'|s')
  torch::Tensor td_target;                                 // y [B]
  torch::Tensor noise, actions, log_probs;                 // ε, a, log π(a|s) of the actor step
  double temperature = 0;                                  // α used by this update
  double actor_loss = 0, temperature_loss = 0;
  // Gradient norms of each network (and of log α) after each step's backward pass (the critic's
  // as its step left them, clipped).
  double critic_step_critic_gradient = 0, critic_step_actor_gradient = 0;
  double actor_step_actor_gradient = 0, actor_step_critic_gradient = 0;
  double actor_step_temperature_gradient = 0;
};

class SacAgent : public rl::Agent {
 public:
  SacAgent(const SacOptions& options, int64_t observation_size, int64_t action_size,
           const rl::AgentContext& context);
  ~SacAgent() override;

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;
  void save(std::ostream& out) override;
  void load(std::istream& in) override;

  // Reparameterised draws from π(·|s) with `generator`; the graph is kept unless under NoGradGuard.
  SquashedGaussianDraws sample(const torch::Tensor& states, at::Generator& generator);

  // Keep a SacUpdateTrace of every update (off by default).
  void set_tracing(bool enabled) { tracing_ = enabled; }
  const SacUpdateTrace& last_trace() const { return trace_; }

  CriticLearner& critic() { return critic_; }
  nn::GaussianPolicyNetworkImpl& actor() { return *actor_; }
  double temperature() const { return std::exp(log_temperature_.item<double>()); }
  const SacOptions& options() const { return options_; }

 private:
  // The critics' and then the actor's initial weights are drawn with `initial_weights`.
  SacAgent(const SacOptions& options, int64_t observation_size, int64_t action_size,
           const rl::AgentContext& context, const at::Generator& initial_weights);

  SacOptions options_;
  c10::Device device_;
  double target_entropy_;
  CriticLearner critic_;
  nn::GaussianPolicyNetwork actor_;
  torch::Tensor log_temperature_;  // log α, a scalar
  std::vector<torch::Tensor> critic_parameters_, actor_parameters_;
  std::unique_ptr<torch::optim::Optimizer> actor_optimizer_, temperature_optimizer_;
  at::Generator generator_;
  bool tracing_ = false;
  SacUpdateTrace trace_;
};

std::unique_ptr<rl::Agent> make_sac_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context);

}  // namespace rfm::agents
