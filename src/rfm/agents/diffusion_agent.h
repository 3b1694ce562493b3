// What the diffusion-policy agents (QSM, QNE, DQS, RFM on VP/VE schedules) hold in common: the
// critic learner, a diffusion policy on the shared residual network, its Adam optimiser, the random
// stream of the updates, and their checkpoint. Each algorithm's own act and update live in its
// file.
#pragma once

#include <torch/types.h>

#include <memory>
#include <vector>

#include "rfm/agents/critic_learner.h"
#include "rfm/agents/diffusion_policy.h"
#include "rfm/flow/estimators.h"
#include "rfm/rl/agent.h"

namespace rfm::agents {

// What one update regressed the policy onto, kept when tracing is on (tests recompute it).
struct DiffusionUpdateTrace {
  torch::Tensor states;        // s [B, s]
  torch::Tensor clean;         // the point that was noised: replay action or on-policy sample
  torch::Tensor times, noise;  // t [B], ε [B, d]
  torch::Tensor noisy;         // x_t = α clean + β ε [B, d]
  torch::Tensor posterior_noise_draws;  // x0_k [B, K, d] of the estimator (undefined for QSM)
  torch::Tensor noise_target;           // the regression target as a noise prediction [B, d]
};

class DiffusionAgent : public rl::Agent {
 public:
  DiffusionAgent(const CommonUpdateOptions& common, const DiffusionPolicyOptions& policy,
                 int64_t observation_size, int64_t action_size, std::uint64_t seed);
  ~DiffusionAgent() override;

  void save(std::ostream& out) override;
  void load(std::istream& in) override;

  CriticLearner& critic() { return critic_; }
  DiffusionPolicy& policy() { return policy_; }
  void set_tracing(bool enabled) { tracing_ = enabled; }
  const DiffusionUpdateTrace& last_trace() const { return trace_; }

 protected:
  // §1: t ~ U[t_low, t_high] per row, ε ~ N(0, I), x_t = α_t clean + β_t ε, from the update stream.
  struct NoisedPoints {
    torch::Tensor times, noise, noisy;
  };
  NoisedPoints noise_points(const torch::Tensor& clean, double t_low, double t_high);

  // §2: CriticLearner::boltzmann_posterior under the policy's schedule and temperature λ.
  CriticLearner::BoltzmannPosterior boltzmann_posterior(const torch::Tensor& states,
                                                        const torch::Tensor& noisy,
                                                        const torch::Tensor& times,
                                                        const flow::EstimatorOptions& estimator,
                                                        bool tanh_latent);

  // One Adam step of the policy network on `loss` (gradient norm clipped); returns the loss.
  double step_actor(const torch::Tensor& loss);

  CommonUpdateOptions common_;
  CriticLearner critic_;
  DiffusionPolicy policy_;
  std::unique_ptr<torch::optim::Optimizer> actor_optimizer_;
  at::Generator generator_;
  bool tracing_ = false;
  DiffusionUpdateTrace trace_;
};

}  // namespace rfm::agents
