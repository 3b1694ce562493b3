// Interpolation schedules x_t = α_t x1 + β_t x0 (t = 0 noise, t = 1 data) and the conversions
// between the noise (μ0), data (μ1), velocity and score parameterisations (docs/algorithms.md §1).
#pragma once

#include <torch/types.h>

#include <string>

namespace rfm::flow {

enum class ScheduleKind { flow, vp_cosine, vp_linear, ve_geometric };

class Schedule {
 public:
  // α = t, β = 1 − t (rectified flow, RFM's flow policy).
  static Schedule flow();
  // VP with the cosine ᾱ of Nichol & Dhariwal (offset s), α = sqrt(ᾱ(1 − t)), β = sqrt(1 − α²).
  static Schedule vp_cosine(double offset = 0.008);
  // VP with linear β(τ) from beta_min to beta_max over diffusion time τ = 1 − t; α_0 is
  // exp(−(beta_min + beta_max)/4), small but not zero.
  static Schedule vp_linear(double beta_min = 0.1, double beta_max = 20.0);
  // VE: α = 1, β = σ_max^(1 − t) σ_min^t (DQS / iDEM).
  static Schedule ve_geometric(double sigma_min = 1e-5, double sigma_max = 1.0);
  // flow | vp-cosine | vp-linear | ve (defaults as above); anything else throws rfm::Error.
  static Schedule parse(const std::string& name);

  ScheduleKind kind() const { return kind_; }
  std::string name() const;

  // Coefficients and their time derivatives, elementwise on t (any shape, any floating dtype).
  torch::Tensor alpha(const torch::Tensor& t) const;
  torch::Tensor beta(const torch::Tensor& t) const;
  torch::Tensor alpha_derivative(const torch::Tensor& t) const;
  torch::Tensor beta_derivative(const torch::Tensor& t) const;

  // Conversions for points x [B, d] at times t [B] (§1). μ0 = E[X0 | x], μ1 = E[X1 | x].
  torch::Tensor data_from_noise(const torch::Tensor& x, const torch::Tensor& noise_mean,
                                const torch::Tensor& t) const;  // μ1 = (x − β μ0)/α
  torch::Tensor noise_from_data(const torch::Tensor& x, const torch::Tensor& data_mean,
                                const torch::Tensor& t) const;  // μ0 = (x − α μ1)/β
  torch::Tensor velocity_from_noise(const torch::Tensor& x, const torch::Tensor& noise_mean,
                                    const torch::Tensor& t) const;  // v = α' μ1 + β' μ0
  torch::Tensor velocity_from_data(const torch::Tensor& x, const torch::Tensor& data_mean,
                                   const torch::Tensor& t) const;  // v = α' μ1 + β' μ0
  torch::Tensor noise_from_velocity(const torch::Tensor& x, const torch::Tensor& velocity,
                                    const torch::Tensor& t) const;  // inverts velocity_from_noise
  // Score of p_t for a standard Gaussian source: ∇ log p_t(x) = −μ0/β, and back.
  torch::Tensor score_from_noise(const torch::Tensor& noise_mean, const torch::Tensor& t) const;
  torch::Tensor noise_from_score(const torch::Tensor& score, const torch::Tensor& t) const;

 private:
  Schedule(ScheduleKind kind, double p0, double p1) : kind_(kind), p0_(p0), p1_(p1) {}
  ScheduleKind kind_;
  double p0_, p1_;  // cosine: offset; linear: beta_min, beta_max; VE: sigma_min, sigma_max
};

// The variance of the forward jump from a later time t′ back to t (primes at t′): with x_t =
// (α/α′) x_t′ + sqrt(v) ε, v = β² − (α/α′)² β′² (§1). The DDPM step's noise and QNE's ELBO weights
// are built from it; for doubles or tensors of per-step coefficients.
template <class T>
T forward_jump_variance(const T& alpha, const T& beta, const T& next_alpha, const T& next_beta) {
  const T ratio = alpha / next_alpha;
  return beta * beta - ratio * ratio * (next_beta * next_beta);
}

// Broadcasts per-point times t [B] against points [B, ...] (appends singleton dimensions).
torch::Tensor expand_time(const torch::Tensor& t, const torch::Tensor& like);

}  // namespace rfm::flow
