// A generative policy (docs/design.md): the shared residual network, a schedule, what the network
// outputs, and a sampler from noise to a final point, whose action is tanh of it or its clip to the
// box. The flow policy is this with the flow schedule and a velocity output; diffusion policies
// use a VP or VE schedule and a noise or score output. Agents that regress a policy onto a
// posterior-mean target (RFM on any policy, and each baseline's own target) see only this.
#pragma once

#include <torch/types.h>

#include "rfm/flow/estimators.h"
#include "rfm/flow/schedule.h"
#include "rfm/nn/networks.h"

namespace rfm::agents {

class Policy {
 public:
  virtual ~Policy() = default;

  // One final point per row of `states` [N, s] (repeat rows for several per state), from noise,
  // without graph: [N, d].
  virtual torch::Tensor sample(const torch::Tensor& states, at::Generator& generator) = 0;
  // The action of final points: tanh, or the clip to [−1, 1].
  virtual torch::Tensor to_action(const torch::Tensor& points) const = 0;

  // The schedule that noises training points, x_t = α_t x1 + β_t x0 (§1).
  virtual const flow::Schedule& schedule() const = 0;
  // The source p0 of x0: where the sampler starts, what noises training points, and the prior of
  // the posterior draws (§1, §5).
  virtual const flow::Source& source() const = 0;
  // λ, the Boltzmann temperature the network is conditioned on.
  virtual double temperature() const = 0;
  // Times of `rows` training points over the policy's own range (§1, §3 step 3).
  virtual torch::Tensor draw_training_times(int64_t rows, const torch::TensorOptions& options,
                                            at::Generator& generator) = 0;

  // The network's regression target at noisy points from the posterior means there (§1): the
  // velocity μ̂1 − μ̂0 for the flow policy, the noise μ̂0 for diffusion policies; no graph.
  virtual torch::Tensor regression_target(const flow::PosteriorMean& posterior) const = 0;
  // The loss of the network's output at x_t (times t, states s) against regression_target's
  // value, a mean over rows and action dimensions (a score output's rows weighted by time),
  // with graph.
  virtual torch::Tensor regression_loss(const torch::Tensor& states, const torch::Tensor& x_t,
                                        const torch::Tensor& t, const torch::Tensor& target) = 0;

  virtual nn::VelocityNetwork& network() = 0;
};

}  // namespace rfm::agents
