#include "rfm/flow/target.h"

#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <utility>

#include "rfm/util/error.h"

namespace rfm::flow {

torch::Tensor log_sech_squared(const torch::Tensor& u) {
  return -2.0 * (torch::logaddexp(u, -u) - std::log(2.0));
}

AutogradLogDensity::AutogradLogDensity(RowLogDensity log_density)
    : log_density_(std::move(log_density)) {}

LogDensityEvaluation AutogradLogDensity::evaluate(const torch::Tensor& points,
                                                  const torch::Tensor& conditions) const {
  if (points.dim() != 3) throw Error("log-density points must have shape [B, K, d]");
  const int64_t batch = points.size(0), draws = points.size(1), dim = points.size(2);
  // Repeat each condition K times so that all B·K rows go through one forward pass.
  torch::Tensor rows_conditions;
  if (conditions.defined()) {
    if (conditions.dim() != 2 || conditions.size(0) != batch)
      throw Error("conditions must have shape [B, c] matching the points' batch");
    rows_conditions = conditions.unsqueeze(1)
                          .expand({batch, draws, conditions.size(1)})
                          .reshape({batch * draws, -1});
  }
  c10::AutoGradMode enable_grad(true);
  torch::Tensor rows = points.detach().reshape({batch * draws, dim}).requires_grad_(true);
  torch::Tensor log_density = log_density_(rows, rows_conditions);
  if (log_density.numel() != batch * draws)
    throw Error("log-density returned " + std::to_string(log_density.numel()) + " values for " +
                std::to_string(batch * draws) + " rows");
  log_density = log_density.reshape({batch * draws});
  torch::Tensor gradient;
  if (log_density.requires_grad()) {
    gradient = torch::autograd::grad({log_density.sum()}, {rows}, /*grad_outputs=*/{},
                                     /*retain_graph=*/false, /*create_graph=*/false,
                                     /*allow_unused=*/true)[0];
  }
  if (!gradient.defined()) gradient = torch::zeros_like(rows);
  return {log_density.detach().view({batch, draws}), gradient.detach().view({batch, draws, dim})};
}

BoltzmannTarget::BoltzmannTarget(QFunction q, double temperature, bool tanh_latent)
    : impl_([q = std::move(q), temperature, tanh_latent](const torch::Tensor& points,
                                                         const torch::Tensor& states) {
        if (!tanh_latent) return q(states, points).reshape({-1}) / temperature;
        // §2 bounded actions: Q(s, tanh u)/λ + Σ_j log sech²(u_j).
        return q(states, torch::tanh(points)).reshape({-1}) / temperature +
               log_sech_squared(points).sum(-1);
      }),
      temperature_(temperature),
      tanh_latent_(tanh_latent) {
  if (!(temperature > 0)) throw Error("Boltzmann target needs a positive temperature");
}

LogDensityEvaluation BoltzmannTarget::evaluate(const torch::Tensor& points,
                                               const torch::Tensor& conditions) const {
  return impl_.evaluate(points, conditions);
}

DiagonalGaussianTarget::DiagonalGaussianTarget(torch::Tensor mean, torch::Tensor variance)
    : mean_(std::move(mean)), variance_(std::move(variance)) {}

LogDensityEvaluation DiagonalGaussianTarget::evaluate(const torch::Tensor& points,
                                                      const torch::Tensor&) const {
  const torch::Tensor centred = points - mean_.to(points.dtype());
  const torch::Tensor precision = 1.0 / variance_.to(points.dtype());
  return {-0.5 * (centred * centred * precision).sum(-1), -centred * precision};
}

}  // namespace rfm::flow
