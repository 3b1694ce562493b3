#include "rfm/agents/flow_policy.h"

#include "rfm/util/error.h"

namespace rfm::agents {

FlowPolicy::FlowPolicy(nn::VelocityNetwork network, FlowPolicyOptions options)
    : network_(std::move(network)), options_(options) {
  if (!(options_.temperature > 0)) throw Error("rfm.temperature must be positive");
  if (options_.particles < 1) throw Error("rfm.particles must be at least 1");
  if (options_.ode_steps < 1) throw Error("rfm.ode_steps must be at least 1");
  if (!(options_.t_min >= 0 && options_.t_min < 0.5)) throw Error("rfm.t_min must lie in [0, 0.5)");
}

torch::Tensor FlowPolicy::sample_latents(const torch::Tensor& states, int64_t samples,
                                         at::Generator& generator) {
  return integrate_from_noise(repeat_rows(states, samples), generator);
}

torch::Tensor FlowPolicy::integrate_from_noise(const torch::Tensor& repeated_states,
                                               at::Generator& generator) {
  torch::NoGradGuard no_grad;
  auto& network = *network_;
  const int64_t rows = repeated_states.size(0);
  const torch::Tensor temperature =
      torch::full({1}, options_.temperature, repeated_states.options());
  // s and λ stay fixed along the path: their first-layer terms are computed once.
  const torch::Tensor condition =
      network.condition_features(repeated_states, temperature.expand({rows}));
  // §3: u starts from N(0, I) at t = t_min.
  torch::Tensor u = torch::randn({rows, network.action_size}, generator, repeated_states.options());
  const double dt = (1.0 - 2.0 * options_.t_min) / static_cast<double>(options_.ode_steps);
  for (int64_t step = 0; step < options_.ode_steps; ++step) {
    const double t = options_.t_min + static_cast<double>(step) * dt;
    const torch::Tensor velocity = network.forward_conditioned(condition, u, t);
    if (options_.ode_method == flow::OdeMethod::euler) {
      // Euler: u ← u + dt v(u, t).
      u.add_(velocity, dt);
    } else {
      // Heun: predictor u + dt v, then the trapezoid of both slopes.
      const torch::Tensor predicted = u + dt * velocity;
      const torch::Tensor corrected = network.forward_conditioned(condition, predicted, t + dt);
      u.add_(velocity + corrected, 0.5 * dt);
    }
  }
  return u;
}

torch::Tensor FlowPolicy::choose_latents(const torch::Tensor& states,
                                         nn::CriticEnsembleImpl& critic, ParticleChoice choice,
                                         at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const int64_t batch = states.size(0), particles = options_.particles;
  const torch::Tensor repeated_states = repeat_rows(states, particles);
  const torch::Tensor latents = integrate_from_noise(repeated_states, generator);  // [N·P, d]
  if (particles == 1) return latents;
  // §3: Q = min(Q1, Q2) of the online critic at every particle's action a = tanh(u).
  const torch::Tensor q =
      critic.min_q(repeated_states, torch::tanh(latents)).view({batch, particles});
  return choose_among_particles(latents, q, choice, options_.temperature, generator);
}

}  // namespace rfm::agents
