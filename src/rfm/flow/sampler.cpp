#include "rfm/flow/sampler.h"

#include <algorithm>
#include <cmath>

#include "rfm/util/error.h"

namespace rfm::flow {

OdeMethod parse_ode_method(const std::string& name) {
  if (name == "euler") return OdeMethod::euler;
  if (name == "heun") return OdeMethod::heun;
  throw Error("unknown ODE method '" + name + "' (valid: euler, heun)");
}

namespace {
// §1: v = α'_t μ1 + β'_t μ0.
torch::Tensor velocity_from_means(const PosteriorMean& estimate, const torch::Tensor& t,
                                  const Schedule& schedule) {
  return schedule.alpha_derivative(t).unsqueeze(1) * estimate.data_mean +
         schedule.beta_derivative(t).unsqueeze(1) * estimate.noise_mean;
}
}  // namespace

torch::Tensor estimated_velocity(const torch::Tensor& x, const torch::Tensor& t,
                                 const Schedule& schedule, const Source& source,
                                 const LogDensity& target, const torch::Tensor& conditions,
                                 const EstimatorOptions& estimator, at::Generator& generator,
                                 PosteriorMean* diagnostics) {
  PosteriorMean estimate =
      estimate_posterior_mean(x, t, schedule, source, target, conditions, estimator, generator);
  torch::Tensor velocity = velocity_from_means(estimate, t, schedule);
  if (diagnostics != nullptr) *diagnostics = std::move(estimate);
  return velocity;
}

torch::Tensor estimated_sde_drift(const torch::Tensor& x, const torch::Tensor& t,
                                  double diffusion_squared, const Schedule& schedule,
                                  const Source& source, const LogDensity& target,
                                  const torch::Tensor& conditions,
                                  const EstimatorOptions& estimator,
                                  const EstimatorOptions& score_estimator, at::Generator& generator,
                                  PosteriorMean* diagnostics) {
  check_mean_estimator(source, estimator);
  check_score_estimator(source, score_estimator);
  // §2: one set of K draws per point serves both posterior means.
  const PosteriorDraws draws =
      draw_posterior(x, t, estimator.num_draws, schedule, source, target, conditions, generator);
  PosteriorMean estimate = posterior_mean(draws, x, t, schedule, estimator);
  // §5: the marginal score by reverse score matching's posterior mean.
  const PosteriorScore score = posterior_score(draws, t, schedule, score_estimator);
  // The SDE's drift v + (g²/2) ŝ keeps the probability-flow ODE's marginals.
  torch::Tensor drift =
      velocity_from_means(estimate, t, schedule).add_(score.score, 0.5 * diffusion_squared);
  if (diagnostics != nullptr) *diagnostics = std::move(estimate);
  return drift;
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
  if (!(options.sde_noise >= 0 && std::isfinite(options.sde_noise)))
    throw Error("the SDE's noise level γ must be finite and non-negative");
  const bool sde = options.sde_noise > 0;
  if (sde && options.method != OdeMethod::euler)
    throw Error("the SDE sampler steps by Euler–Maruyama; Heun's method is for the ODE only");
  // Both estimators checked against the source before any draw.
  check_mean_estimator(source, options.estimator);
  if (sde) check_score_estimator(source, options.score_estimator);
  const auto tensor_options = torch::TensorOptions().dtype(torch::kFloat64);
  SamplerResult result;
  double ess_sum = 0;
  int64_t velocity_calls = 0;
  const int64_t chunk = options.points_per_call > 0 ? options.points_per_call : num_samples;
  // g(t)² = γ β_t.
  const auto diffusion_squared = [&](double time) {
    return options.sde_noise * schedule.beta(torch::full({1}, time, tensor_options)).item<double>();
  };
  // The ODE's velocity, or the SDE's drift, at every sample.
  auto drift_at = [&](const torch::Tensor& x, double time) {
    torch::Tensor drift = torch::empty_like(x);
    double ess_total = 0;
    for (int64_t begin = 0; begin < num_samples; begin += chunk) {
      const int64_t end = std::min(num_samples, begin + chunk);
      PosteriorMean diagnostics;
      const torch::Tensor t = torch::full({end - begin}, time, tensor_options);
      const torch::Tensor rows = x.slice(0, begin, end);
      const torch::Tensor row_conditions =
          conditions.defined() ? conditions.slice(0, begin, end) : conditions;
      drift.slice(0, begin, end) =
          sde ? estimated_sde_drift(rows, t, diffusion_squared(time), schedule, source, target,
                                    row_conditions, options.estimator, options.score_estimator,
                                    generator, &diagnostics)
              : estimated_velocity(rows, t, schedule, source, target, row_conditions,
                                   options.estimator, generator, &diagnostics);
      result.evaluations += diagnostics.evaluations;
      ess_total += diagnostics.ess.sum().item<double>();
    }
    ess_sum += ess_total / static_cast<double>(num_samples);
    ++velocity_calls;
    return drift;
  };
  // §1: x_{t0} = α x1 + β x0 ≈ β(t0) x0 at small t0 (the α x1 part is dropped).
  const torch::Tensor t_start = torch::full({1}, options.t_start, tensor_options);
  torch::Tensor x = source.sample({num_samples, dim}, generator, tensor_options) *
                    schedule.beta(t_start).item<double>();
  const double dt = (options.t_end - options.t_start) / static_cast<double>(options.steps);
  if (!sde) {
    // §5: the ODE steps; Heun's last is an Euler step, since t_end may be where β = 0.
    integrate_ode(x, options.t_start, dt, options.steps, options.method, drift_at,
                  /*euler_on_last_step=*/true);
  } else {
    for (int64_t step = 0; step < options.steps; ++step) {
      const double t = options.t_start + static_cast<double>(step) * dt;
      // Euler–Maruyama: x ← x + dt (v + (g²/2) ŝ) + √dt g ξ, the last step without noise.
      x.add_(drift_at(x, t), dt);
      if (step + 1 < options.steps)
        x.add_(at::randn(x.sizes(), generator, tensor_options),
               std::sqrt(dt * diffusion_squared(t)));
    }
  }
  result.samples = x;
  result.mean_ess = velocity_calls > 0 ? ess_sum / static_cast<double>(velocity_calls) : 0.0;
  return result;
}

}  // namespace rfm::flow
