#include "rfm/flow/sampler.h"

#include <algorithm>

#include "rfm/util/error.h"

namespace rfm::flow {

OdeMethod parse_ode_method(const std::string& name) {
  if (name == "euler") return OdeMethod::euler;
  if (name == "heun") return OdeMethod::heun;
  throw Error("unknown ODE method '" + name + "' (valid: euler, heun)");
}

torch::Tensor estimated_velocity(const torch::Tensor& x, const torch::Tensor& t,
                                 const Schedule& schedule, const Source& source,
                                 const LogDensity& target, const torch::Tensor& conditions,
                                 const EstimatorOptions& estimator, at::Generator& generator,
                                 PosteriorMean* diagnostics) {
  PosteriorMean estimate =
      estimate_posterior_mean(x, t, schedule, source, target, conditions, estimator, generator);
  // §1: v = α'_t μ1 + β'_t μ0.
  torch::Tensor velocity = schedule.alpha_derivative(t).unsqueeze(1) * estimate.data_mean +
                           schedule.beta_derivative(t).unsqueeze(1) * estimate.noise_mean;
  if (diagnostics != nullptr) *diagnostics = std::move(estimate);
  return velocity;
}

void integrate_ode(torch::Tensor& x, double t_start, double dt, int64_t steps, OdeMethod method,
                   const VelocityField& velocity, bool euler_on_last_step) {
  for (int64_t step = 0; step < steps; ++step) {
    const double t = t_start + static_cast<double>(step) * dt;
    const torch::Tensor slope = velocity(x, t);
    if (method == OdeMethod::euler || (euler_on_last_step && step + 1 == steps)) {
      // Euler: x ← x + dt v(x, t).
      x.add_(slope, dt);
    } else {
      // Heun: predictor x + dt v, then the trapezoid of both slopes.
      const torch::Tensor predicted = x + dt * slope;
      const torch::Tensor corrected = velocity(predicted, t + dt);
      x.add_(slope + corrected, 0.5 * dt);
    }
  }
}

SamplerResult sample_probability_flow(const LogDensity& target, const Source& source,
                                      const Schedule& schedule, int64_t num_samples, int64_t dim,
                                      const torch::Tensor& conditions,
                                      const SamplerOptions& options, at::Generator& generator) {
  if (options.steps < 1) throw Error("the sampler needs at least one step");
  if (!(options.t_start > 0 && options.t_start < options.t_end && options.t_end <= 1))
    throw Error("the sampler needs 0 < t_start < t_end <= 1");
  const auto tensor_options = torch::TensorOptions().dtype(torch::kFloat64);
  SamplerResult result;
  double ess_sum = 0;
  int64_t velocity_calls = 0;
  const int64_t chunk = options.points_per_call > 0 ? options.points_per_call : num_samples;
  auto velocity_at = [&](const torch::Tensor& x, double time) {
    torch::Tensor velocity = torch::empty_like(x);
    double ess_total = 0;
    for (int64_t begin = 0; begin < num_samples; begin += chunk) {
      const int64_t end = std::min(num_samples, begin + chunk);
      PosteriorMean diagnostics;
      const torch::Tensor t = torch::full({end - begin}, time, tensor_options);
      velocity.slice(0, begin, end) =
          estimated_velocity(x.slice(0, begin, end), t, schedule, source, target,
                             conditions.defined() ? conditions.slice(0, begin, end) : conditions,
                             options.estimator, generator, &diagnostics);
      result.evaluations += diagnostics.evaluations;
      ess_total += diagnostics.ess.sum().item<double>();
    }
    ess_sum += ess_total / static_cast<double>(num_samples);
    ++velocity_calls;
    return velocity;
  };
  // §1: x_{t0} = α x1 + β x0 ≈ β(t0) x0 at small t0 (the α x1 part is dropped).
  const torch::Tensor t_start = torch::full({1}, options.t_start, tensor_options);
  torch::Tensor x = source.sample({num_samples, dim}, generator, tensor_options) *
                    schedule.beta(t_start).item<double>();
  const double dt = (options.t_end - options.t_start) / static_cast<double>(options.steps);
  // §5: the ODE steps; Heun's last is an Euler step, since t_end may be where β = 0.
  integrate_ode(x, options.t_start, dt, options.steps, options.method, velocity_at,
                /*euler_on_last_step=*/true);
  result.samples = x;
  result.mean_ess = velocity_calls > 0 ? ess_sum / static_cast<double>(velocity_calls) : 0.0;
  return result;
}

}  // namespace rfm::flow
