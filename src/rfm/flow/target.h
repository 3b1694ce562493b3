// Target log-densities p1 (up to a constant) with their gradients, evaluated for a batch of
// B conditions with K points each in one batched forward and backward pass
// (docs/algorithms.md §1, §2).
#pragma once

#include <torch/types.h>

#include <functional>
#include <memory>

namespace rfm::flow {

// log p1 [B, K] (up to a constant per condition) and ∇x log p1 [B, K, d], both without graph.
struct LogDensityEvaluation {
  torch::Tensor log_density;
  torch::Tensor gradient;
};

class LogDensity {
 public:
  virtual ~LogDensity() = default;
  // points [B, K, d]; conditions [B, c], or an undefined tensor when the target is unconditional.
  virtual LogDensityEvaluation evaluate(const torch::Tensor& points,
                                        const torch::Tensor& conditions) const = 0;
};

// Log-density of flat rows: points [N, d], conditions [N, c] (or undefined) → [N] or [N, 1]; must
// be differentiable in the points.
using RowLogDensity =
    std::function<torch::Tensor(const torch::Tensor& points, const torch::Tensor& conditions)>;
// A critic Q(s, a): states [N, c], actions [N, d] → [N] or [N, 1].
using QFunction =
    std::function<torch::Tensor(const torch::Tensor& states, const torch::Tensor& actions)>;

// Any differentiable row log-density; the gradient comes from one autograd backward pass over all
// B·K rows (conditions repeated K times).
class AutogradLogDensity : public LogDensity {
 public:
  explicit AutogradLogDensity(RowLogDensity log_density);
  LogDensityEvaluation evaluate(const torch::Tensor& points,
                                const torch::Tensor& conditions) const override;

 private:
  RowLogDensity log_density_;
};

// Boltzmann target p1(a | s) ∝ exp(Q(s, a)/λ). With tanh_latent the points are latents u,
// a = tanh(u), and log p1(u) = Q(s, tanh u)/λ + Σ_j log sech²(u_j) (§2 "Bounded actions").
class BoltzmannTarget : public LogDensity {
 public:
  BoltzmannTarget(QFunction q, double temperature, bool tanh_latent);
  LogDensityEvaluation evaluate(const torch::Tensor& points,
                                const torch::Tensor& conditions) const override;
  double temperature() const { return temperature_; }
  bool tanh_latent() const { return tanh_latent_; }

 private:
  AutogradLogDensity impl_;
  double temperature_;
  bool tanh_latent_;
};

// N(mean, diag(variance)) with an analytic gradient (no autograd); for exactness tests.
class DiagonalGaussianTarget : public LogDensity {
 public:
  DiagonalGaussianTarget(torch::Tensor mean, torch::Tensor variance);
  LogDensityEvaluation evaluate(const torch::Tensor& points,
                                const torch::Tensor& conditions) const override;
  const torch::Tensor& mean() const { return mean_; }
  const torch::Tensor& variance() const { return variance_; }

 private:
  torch::Tensor mean_, variance_;
};

// log sech²(u) = −2 (logaddexp(u, −u) − log 2), elementwise and stable for large |u|.
torch::Tensor log_sech_squared(const torch::Tensor& u);

}  // namespace rfm::flow
