// Training-free sampling (docs/algorithms.md §5): integrate the probability-flow ODE dx/dt =
// v(x, t) from t_start to t_end, with v = α' μ̂1 + β' μ̂0 computed by a posterior-mean
// estimator at every step, or an SDE with the same marginals whose drift adds the score from
// reverse score matching's estimator on the same draws.
#pragma once

#include <torch/types.h>

#include <functional>
#include <string>

#include "rfm/flow/estimators.h"

namespace rfm::flow {

enum class OdeMethod { euler, heun };
// euler | heun; anything else throws rfm::Error.
OdeMethod parse_ode_method(const std::string& name);

// A velocity field v(x, t) at points x [N, d], one time t for all rows.
using VelocityField = std::function<torch::Tensor(const torch::Tensor& x, double t)>;
// Integrates dx/dt = v(x, t) in place on x over `steps` uniform steps of dt from t_start, by Euler
// (x ← x + dt v) or Heun's trapezoid (predictor x + dt v, then x ← x + dt/2 (v + v(predictor,
// t + dt))). With euler_on_last_step, Heun's last step is an Euler step, for fields that may not
// exist at the end time.
void integrate_ode(torch::Tensor& x, double t_start, double dt, int64_t steps, OdeMethod method,
                   const VelocityField& velocity, bool euler_on_last_step = false);

struct SamplerOptions {
  int64_t steps = 100;  // ODE (or SDE) steps on a uniform time grid
  OdeMethod method = OdeMethod::euler;
  double t_start = 0.01;  // x starts at β(t_start) x0, x0 ~ source (α x1 dropped)
  double t_end = 1.0;     // the last step lands here (the velocity is never evaluated at t_end)
  EstimatorOptions estimator;  // K = estimator.num_draws per point and evaluation
  // γ ≥ 0: with γ > 0 the sampler integrates the SDE dx = [v + (g²/2) ∇log p_t] dt + g dW with
  // g(t)² = γ β_t by Euler–Maruyama (the last step without noise), which has the ODE's marginals;
  // velocity and score come from the same draws (§5). Only with OdeMethod::euler.
  double sde_noise = 0.0;
  // The estimator of the score term (its kind; K and the draws are the velocity's), §5.
  EstimatorOptions score_estimator;
  // Points per estimator call: keeps the B·K-row tensors small enough to be reused by the allocator
  // instead of being mapped and faulted in afresh at every step (same draws' law, faster).
  int64_t points_per_call = 64;
};

struct SamplerResult {
  torch::Tensor samples;    // [N, d] at t_end
  int64_t evaluations = 0;  // target log-density (and gradient) evaluations, N·K per velocity
  double mean_ess = 0.0;    // ESS averaged over points and velocity evaluations
};

// The velocity at points x [B, d], times t [B] from one estimator call (§1: v = α' μ1 + β' μ0).
torch::Tensor estimated_velocity(const torch::Tensor& x, const torch::Tensor& t,
                                 const Schedule& schedule, const Source& source,
                                 const LogDensity& target, const torch::Tensor& conditions,
                                 const EstimatorOptions& estimator, at::Generator& generator,
                                 PosteriorMean* diagnostics = nullptr);

// The SDE's drift v + (g²/2) ŝ at points x [B, d], times t [B], with g² = `diffusion_squared`,
// from one set of K draws per point: v by `estimator` as estimated_velocity(), ŝ by
// `score_estimator` (§5).
torch::Tensor estimated_sde_drift(const torch::Tensor& x, const torch::Tensor& t,
                                  double diffusion_squared, const Schedule& schedule,
                                  const Source& source, const LogDensity& target,
                                  const torch::Tensor& conditions,
                                  const EstimatorOptions& estimator,
                                  const EstimatorOptions& score_estimator, at::Generator& generator,
                                  PosteriorMean* diagnostics = nullptr);

// Draw N samples of dimension d from the target (conditions [N, c] or undefined), by the ODE or,
// with options.sde_noise > 0, the SDE.
SamplerResult sample_probability_flow(const LogDensity& target, const Source& source,
                                      const Schedule& schedule, int64_t num_samples, int64_t dim,
                                      const torch::Tensor& conditions,
                                      const SamplerOptions& options, at::Generator& generator);

}  // namespace rfm::flow
