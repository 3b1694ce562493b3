// The flow policy of docs/algorithms.md §3: a velocity network integrated in the tanh latent from
// t_min to 1 − t_min, P particles per state, and a choice among them by the critic (Boltzmann
// resampling for exploration and training proposals, arg-max Q for evaluation).
#pragma once

#include <torch/types.h>

#include <string>

#include "rfm/agents/particles.h"
#include "rfm/flow/sampler.h"
#include "rfm/nn/networks.h"

namespace rfm::agents {

struct FlowPolicyOptions {
  double temperature = 0.02;  // λ, fed to the network and used to resample particles
  int64_t particles = 32;     // P
  int64_t ode_steps = 10;
  flow::OdeMethod ode_method = flow::OdeMethod::euler;
  double t_min = 0.01;
};

class FlowPolicy {
 public:
  FlowPolicy(nn::VelocityNetwork network, FlowPolicyOptions options);

  // Latents u at t = 1 − t_min for `samples` rows per state, without graph: u starts from N(0, I)
  // at t_min and follows the network's velocity (Euler or Heun). states [N, s] → [N·samples, d],
  // the rows of one state adjacent.
  torch::Tensor sample_latents(const torch::Tensor& states, int64_t samples,
                               at::Generator& generator);

  // One latent per state chosen among P particles by Q = `critic`'s minimum: with probability
  // softmax(Q/λ), or the arg-max. states [N, s] → [N, d] latents (the action is tanh of it).
  torch::Tensor choose_latents(const torch::Tensor& states, nn::CriticEnsembleImpl& critic,
                               ParticleChoice choice, at::Generator& generator);

  const FlowPolicyOptions& options() const { return options_; }
  nn::VelocityNetwork& network() { return network_; }

 private:
  // The ODE from N(0, I) at t_min to 1 − t_min for rows of (already repeated) states [M, s].
  torch::Tensor integrate_from_noise(const torch::Tensor& repeated_states,
                                     at::Generator& generator);

  nn::VelocityNetwork network_;
  FlowPolicyOptions options_;
};

}  // namespace rfm::agents
