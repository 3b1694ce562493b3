#include "rfm/flow/schedule.h"

#include <cmath>

#include "rfm/util/error.h"

namespace rfm::flow {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

torch::Tensor expand_time(const torch::Tensor& t, const torch::Tensor& like) {
  torch::Tensor out = t;
  while (out.dim() < like.dim()) out = out.unsqueeze(-1);
  return out;
}

Schedule Schedule::flow() {
  return Schedule(ScheduleKind::flow, 0, 0);
}
Schedule Schedule::vp_cosine(double offset) {
  return Schedule(ScheduleKind::vp_cosine, offset, 0);
}
Schedule Schedule::vp_linear(double beta_min, double beta_max) {
  return Schedule(ScheduleKind::vp_linear, beta_min, beta_max);
}
Schedule Schedule::ve_geometric(double sigma_min, double sigma_max) {
  if (!(sigma_min > 0 && sigma_max > sigma_min))
    throw Error("VE schedule needs 0 < sigma_min < sigma_max");
  return Schedule(ScheduleKind::ve_geometric, sigma_min, sigma_max);
}

Schedule Schedule::parse(const std::string& name) {
  if (name == "flow") return flow();
  if (name == "vp-cosine") return vp_cosine();
  if (name == "vp-linear") return vp_linear();
  if (name == "ve") return ve_geometric();
  throw Error("unknown schedule '" + name + "' (valid: flow, vp-cosine, vp-linear, ve)");
}

std::string Schedule::name() const {
  switch (kind_) {
    case ScheduleKind::flow:
      return "flow";
    case ScheduleKind::vp_cosine:
      return "vp-cosine";
    case ScheduleKind::vp_linear:
      return "vp-linear";
    case ScheduleKind::ve_geometric:
      return "ve";
  }
  return "?";
}

// §1 table: α_t per schedule.
torch::Tensor Schedule::alpha(const torch::Tensor& t) const {
  switch (kind_) {
    case ScheduleKind::flow:
      return t.clone();
    case ScheduleKind::vp_cosine: {
      // α = cos(φ(t)) / cos(φ_0), φ(t) = ((1 − t) + s)/(1 + s) · π/2; clamp guards round-off at t =
      // 0.
      const double s = p0_, scale = 0.5 * kPi / (1 + s), c0 = std::cos(s * scale);
      return (torch::cos(((1 - t) + s) * scale) / c0).clamp(0, 1);
    }
    case ScheduleKind::vp_linear: {
      // ᾱ(τ) = exp(−(β_min τ + ½(β_max − β_min) τ²)), α = sqrt(ᾱ).
      const torch::Tensor tau = 1 - t;
      return torch::exp(-0.5 * (p0_ * tau + 0.5 * (p1_ - p0_) * tau * tau));
    }
    case ScheduleKind::ve_geometric:
      return torch::ones_like(t);
  }
  return t;
}

torch::Tensor Schedule::beta(const torch::Tensor& t) const {
  switch (kind_) {
    case ScheduleKind::flow:
      return 1 - t;
    case ScheduleKind::vp_cosine:
    case ScheduleKind::vp_linear: {
      const torch::Tensor a = alpha(t);
      return torch::sqrt((1 - a * a).clamp_min(0));
    }
    case ScheduleKind::ve_geometric:
      // σ(t) = σ_max^(1 − t) σ_min^t = σ_max (σ_min/σ_max)^t.
      return p1_ * torch::exp(t * std::log(p0_ / p1_));
  }
  return t;
}

torch::Tensor Schedule::alpha_derivative(const torch::Tensor& t) const {
  switch (kind_) {
    case ScheduleKind::flow:
      return torch::ones_like(t);
    case ScheduleKind::vp_cosine: {
      const double s = p0_, scale = 0.5 * kPi / (1 + s), c0 = std::cos(s * scale);
      return torch::sin(((1 - t) + s) * scale) * (scale / c0);
    }
    case ScheduleKind::vp_linear: {
      // dα/dt = ½ β(τ) α with β(τ) = β_min + (β_max − β_min) τ.
      const torch::Tensor tau = 1 - t;
      return 0.5 * (p0_ + (p1_ - p0_) * tau) * alpha(t);
    }
    case ScheduleKind::ve_geometric:
      return torch::zeros_like(t);
  }
  return t;
}

torch::Tensor Schedule::beta_derivative(const torch::Tensor& t) const {
  switch (kind_) {
    case ScheduleKind::flow:
      return -torch::ones_like(t);
    case ScheduleKind::vp_cosine:
    case ScheduleKind::vp_linear:
      // β = sqrt(1 − α²) ⇒ β' = −α α'/β (infinite at t = 1).
      return -alpha(t) * alpha_derivative(t) / beta(t);
    case ScheduleKind::ve_geometric:
      return beta(t) * std::log(p0_ / p1_);
  }
  return t;
}

torch::Tensor Schedule::data_from_noise(const torch::Tensor& x, const torch::Tensor& noise_mean,
                                        const torch::Tensor& t) const {
  return (x - expand_time(beta(t), x) * noise_mean) / expand_time(alpha(t), x);
}

torch::Tensor Schedule::noise_from_data(const torch::Tensor& x, const torch::Tensor& data_mean,
                                        const torch::Tensor& t) const {
  return (x - expand_time(alpha(t), x) * data_mean) / expand_time(beta(t), x);
}

torch::Tensor Schedule::velocity_from_noise(const torch::Tensor& x, const torch::Tensor& noise_mean,
                                            const torch::Tensor& t) const {
  return expand_time(alpha_derivative(t), x) * data_from_noise(x, noise_mean, t) +
         expand_time(beta_derivative(t), x) * noise_mean;
}

torch::Tensor Schedule::velocity_from_data(const torch::Tensor& x, const torch::Tensor& data_mean,
                                           const torch::Tensor& t) const {
  return expand_time(alpha_derivative(t), x) * data_mean +
         expand_time(beta_derivative(t), x) * noise_from_data(x, data_mean, t);
}

torch::Tensor Schedule::noise_from_velocity(const torch::Tensor& x, const torch::Tensor& velocity,
                                            const torch::Tensor& t) const {
  // v = α'(x − β μ0)/α + β' μ0 ⇒ μ0 = (v − α' x/α)/(β' − α' β/α).
  const torch::Tensor a = expand_time(alpha(t), x), b = expand_time(beta(t), x);
  const torch::Tensor da = expand_time(alpha_derivative(t), x);
  const torch::Tensor db = expand_time(beta_derivative(t), x);
  return (velocity - da * x / a) / (db - da * b / a);
}

torch::Tensor Schedule::score_from_noise(const torch::Tensor& noise_mean,
                                         const torch::Tensor& t) const {
  return -noise_mean / expand_time(beta(t), noise_mean);
}

torch::Tensor Schedule::noise_from_score(const torch::Tensor& score, const torch::Tensor& t) const {
  return -score * expand_time(beta(t), score);
}

}  // namespace rfm::flow
