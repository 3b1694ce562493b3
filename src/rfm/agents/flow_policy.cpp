#include "rfm/agents/flow_policy.h"

#include "rfm/rl/config.h"
#include "rfm/util/error.h"

namespace rfm::agents {

FlowPolicyOptions FlowPolicyOptions::from_config(const rl::Config& config) {
  FlowPolicyOptions options;
  options.temperature = config.get_double("rfm.temperature");
  options.ode_steps = config.get_int("rfm.ode_steps");
  options.ode_method = flow::parse_ode_method(config.get_string("rfm.ode_method"));
  options.t_min = config.get_double("rfm.t_min");
  // Run folders from before rfm.source existed drew from the Gaussian source.
  if (config.has("rfm.source")) options.source = config.get_string("rfm.source");
  try {
    flow::make_source(options.source);
  } catch (const Error& error) {
    throw Error(std::string("rfm.source: ") + error.what());
  }
  return options;
}

FlowPolicy::FlowPolicy(nn::VelocityNetwork network, FlowPolicyOptions options)
    : network_(std::move(network)), options_(options), source_(flow::make_source(options.source)) {
  if (!(options_.temperature > 0)) throw Error("rfm.temperature must be positive");
  if (options_.ode_steps < 1) throw Error("rfm.ode_steps must be at least 1");
  if (!(options_.t_min >= 0 && options_.t_min < 0.5)) throw Error("rfm.t_min must lie in [0, 0.5)");
}

torch::Tensor FlowPolicy::sample(const torch::Tensor& states, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  auto& network = *network_;
  const int64_t rows = states.size(0);
  const torch::Tensor temperature = torch::full({1}, options_.temperature, states.options());
  // s and λ stay fixed along the path: their first-layer terms are computed once.
  const torch::Tensor condition = network.condition_features(states, temperature.expand({rows}));
  // §3: u starts from the source (N(0, I) by default) at t = t_min.
  torch::Tensor u = source_->sample({rows, network.action_size}, generator, states.options());
  const double dt = (1.0 - 2.0 * options_.t_min) / static_cast<double>(options_.ode_steps);
  // §3: the ODE du/dt = v_θ(s, u, t, λ) from t_min to 1 − t_min.
  flow::integrate_ode(u, options_.t_min, dt, options_.ode_steps, options_.ode_method,
                      [&network, &condition](const torch::Tensor& x, double t) {
                        return network.forward_conditioned(condition, x, t);
                      });
  return u;
}

torch::Tensor FlowPolicy::to_action(const torch::Tensor& latents) const {
  return torch::tanh(latents);
}

torch::Tensor FlowPolicy::draw_training_times(int64_t rows, const torch::TensorOptions& options,
                                              at::Generator& generator) {
  return torch::empty({rows}, options).uniform_(options_.t_min, 1.0 - options_.t_min, generator);
}

torch::Tensor FlowPolicy::regression_target(const flow::PosteriorMean& posterior) const {
  return (posterior.data_mean - posterior.noise_mean).detach();
}

torch::Tensor FlowPolicy::regression_loss(const torch::Tensor& states, const torch::Tensor& x_t,
                                          const torch::Tensor& t, const torch::Tensor& target) {
  const torch::Tensor velocity = network_->forward(
      states, x_t, t, torch::full({states.size(0)}, options_.temperature, states.options()));
  return (velocity - target).pow(2).mean();
}

}  // namespace rfm::agents
