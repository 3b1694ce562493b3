// The flow policy of docs/algorithms.md §3: a velocity network integrated in the tanh latent from
// t_min to 1 − t_min (Euler or Heun), trained on the flow schedule α = t, β = 1 − t at times in the
// same range.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

#include "rfm/agents/policy.h"
#include "rfm/flow/sampler.h"
#include "rfm/nn/networks.h"

namespace rfm::rl {
class Config;
}

namespace rfm::agents {

struct FlowPolicyOptions {
  double temperature = 0.02;  // λ, an input of the network
  int64_t ode_steps = 10;
  flow::OdeMethod ode_method = flow::OdeMethod::euler;
  double t_min = 0.01;
  std::string source = "gaussian";  // flow::make_source's names
  // rfm.temperature, ode_steps, ode_method, t_min and source.
  static FlowPolicyOptions from_config(const rl::Config& config);
};

class FlowPolicy : public Policy {
 public:
  FlowPolicy(nn::VelocityNetwork network, FlowPolicyOptions options);

  // Latents at t = 1 − t_min: u starts from the source at t_min and follows the network's velocity.
  torch::Tensor sample(const torch::Tensor& states, at::Generator& generator) override;
  torch::Tensor to_action(const torch::Tensor& latents) const override;
  const flow::Schedule& schedule() const override { return schedule_; }
  const flow::Source& source() const override { return *source_; }
  double temperature() const override { return options_.temperature; }
  // Uniform on [t_min, 1 − t_min], the ODE's range.
  torch::Tensor draw_training_times(int64_t rows, const torch::TensorOptions& options,
                                    at::Generator& generator) override;
  // v̂ = μ̂1 − μ̂0 (§1, flow schedule).
  torch::Tensor regression_target(const flow::PosteriorMean& posterior) const override;
  // mean (v_θ(t, u_t, s, λ) − v̂)² over rows and action dimensions, as in the authors' code (a sum
  // over dimensions would scale the gradient against the clip by |A|).
  torch::Tensor regression_loss(const torch::Tensor& states, const torch::Tensor& x_t,
                                const torch::Tensor& t, const torch::Tensor& target) override;
  nn::VelocityNetwork& network() override { return network_; }

  const FlowPolicyOptions& options() const { return options_; }

 private:
  nn::VelocityNetwork network_;
  FlowPolicyOptions options_;
  flow::Schedule schedule_ = flow::Schedule::flow();
  std::shared_ptr<flow::Source> source_;
};

}  // namespace rfm::agents
