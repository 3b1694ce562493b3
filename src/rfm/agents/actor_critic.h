// What every agent that regresses a generative policy holds (RFM on a flow or diffusion policy,
// QSM, QNE, DQS): the critic learner, the policy (policy.h) with its Adam optimiser, the random
// stream of the updates, their checkpoint, and the steps they share: noising training points,
// the Boltzmann posterior under the policy's schedule, and the actor's gradient step. Each
// algorithm's act and update live in its own file.
#pragma once

#include <torch/types.h>

#include <memory>
#include <vector>

#include "rfm/agents/critic_learner.h"
#include "rfm/agents/policies.h"
#include "rfm/flow/estimators.h"
#include "rfm/rl/agent.h"

namespace torch::optim {
class Optimizer;
}

namespace rfm::agents {

// What one update regressed the policy onto, kept when tracing is on (tests recompute it).
struct PolicyUpdateTrace {
  torch::Tensor states;  // s [B, s]
  // The point that was noised: the replay action, an on-policy sample, or (RFM) the proposal's
  // latent [B, d].
  torch::Tensor clean;
  torch::Tensor times, noise;           // t [B], ε [B, d]
  torch::Tensor noisy;                  // x_t = α clean + β ε [B, d]
  torch::Tensor posterior_noise_draws;  // x0_k [B, K, d] of the estimator (undefined for QSM)
  torch::Tensor target;  // Policy::regression_target: v̂ (flow policy) or the noise (diffusion)
  // Gradient norms of each network right after each backward pass (RFM's update records them).
  double critic_step_critic_gradient = 0, critic_step_actor_gradient = 0;
  double actor_step_actor_gradient = 0, actor_step_critic_gradient = 0;
};

class ActorCriticAgent : public rl::Agent {
 public:
  ~ActorCriticAgent() override;

  void save(std::ostream& out) override;
  void load(std::istream& in) override;

  CriticLearner& critic() { return critic_; }
  Policy& policy() { return *policy_; }
  void set_tracing(bool enabled) { tracing_ = enabled; }
  const PolicyUpdateTrace& last_trace() const { return trace_; }

 protected:
  // The critics' and then the policy network's initial weights are drawn from the context's
  // initial-weights stream; the updates draw from its update stream.
  ActorCriticAgent(const CommonUpdateOptions& common, const PolicyOptions& policy,
                   int64_t observation_size, int64_t action_size, const rl::AgentContext& context);

  struct NoisedPoints {
    torch::Tensor times, noise, noisy;
  };
  // §1: ε ~ N(0, I) from the update stream, x_t = α_t clean + β_t ε under the policy's schedule.
  NoisedPoints noise_points(const torch::Tensor& clean, const torch::Tensor& times);

  // §2: CriticLearner::boltzmann_posterior under the policy's schedule and temperature λ.
  CriticLearner::BoltzmannPosterior boltzmann_posterior(const torch::Tensor& states,
                                                        const torch::Tensor& noisy,
                                                        const torch::Tensor& times,
                                                        const flow::EstimatorOptions& estimator,
                                                        bool tanh_latent);

  // One Adam step of the policy network on `loss` (gradient norm clipped, both networks' norms
  // traced first); returns the loss.
  double step_actor(const torch::Tensor& loss);

  CommonUpdateOptions common_;
  c10::Device device_;
  CriticLearner critic_;
  std::unique_ptr<Policy> policy_;
  std::unique_ptr<torch::optim::Optimizer> actor_optimizer_;
  at::Generator generator_;
  bool tracing_ = false;
  PolicyUpdateTrace trace_;

 private:
  ActorCriticAgent(const CommonUpdateOptions& common, const PolicyOptions& policy,
                   int64_t observation_size, int64_t action_size, const rl::AgentContext& context,
                   const at::Generator& initial_weights);
};

}  // namespace rfm::agents
