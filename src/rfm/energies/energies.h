// Unnormalised densities for sampler benchmarks (docs/algorithms.md §5, iDEM conventions): GMM-40
// with an exact sampler, DW-4 (four particles in 2-D with pairwise double wells), and a 2-D ring of
// Gaussians with an exact sampler.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

#include "rfm/flow/target.h"

namespace rfm::energies {

inline constexpr const char* kEnergyNames = "gmm40, dw4, toy2d";

class Energy {
 public:
  virtual ~Energy() = default;
  virtual std::string name() const = 0;
  virtual int64_t dim() const = 0;
  // log p(x) up to a constant for rows x [N, d] → [N]; differentiable in x.
  virtual torch::Tensor log_density(const torch::Tensor& x) const = 0;
  virtual bool has_exact_sampler() const { return false; }
  // N exact samples [N, d] (float64); throws rfm::Error when there is no exact sampler.
  virtual torch::Tensor sample(int64_t num_samples, at::Generator& generator) const;
  // First time of the training-free sampler: the source's draws x1 = (x − β x0)/α spread like β/α
  // and must still reach the target's mass (0.01 for GMM-40's [−40, 40]² box).
  virtual double sampler_t_start() const { return 0.01; }
};

// 40 equal-weight Gaussians in 2-D, means uniform in [−40, 40]² drawn from a CPU generator seeded
// with 0 (as iDEM, after torch.manual_seed(0)), per-dimension std softplus(1) ≈ 1.3133. Normalised.
class Gmm40 : public Energy {
 public:
  Gmm40();
  std::string name() const override { return "gmm40"; }
  int64_t dim() const override { return 2; }
  torch::Tensor log_density(const torch::Tensor& x) const override;
  bool has_exact_sampler() const override { return true; }
  torch::Tensor sample(int64_t num_samples, at::Generator& generator) const override;
  const torch::Tensor& means() const { return means_; }
  double component_std() const { return std_; }

 private:
  torch::Tensor means_;  // [40, 2] float64
  double std_;
};

// DW-4 (iDEM's constants): E(x) = Σ_{i<j} a (d_ij − d0)⁴ + b (d_ij − d0)² + c, a = 0.9, b = −4,
// c = 0, d0 = 4, for 4 particles in 2-D (x [N, 8], particle-major); log p = −E. Invariant under
// translation, rotation and permutation.
class DoubleWell4 : public Energy {
 public:
  std::string name() const override { return "dw4"; }
  int64_t dim() const override { return 8; }
  torch::Tensor log_density(const torch::Tensor& x) const override;
  double sampler_t_start() const override { return 0.1; }  // quartic walls: ESS ≈ 1 below
  static constexpr double kA = 0.9, kB = -4.0, kC = 0.0, kOffset = 4.0;
  static constexpr int64_t kParticles = 4, kSpatialDim = 2;
};

// Eight equal-weight Gaussians (std 0.5) on a circle of radius 5 in 2-D. Normalised.
class GaussianRing : public Energy {
 public:
  GaussianRing();
  std::string name() const override { return "toy2d"; }
  int64_t dim() const override { return 2; }
  torch::Tensor log_density(const torch::Tensor& x) const override;
  bool has_exact_sampler() const override { return true; }
  torch::Tensor sample(int64_t num_samples, at::Generator& generator) const override;
  double sampler_t_start() const override { return 0.05; }

 private:
  torch::Tensor means_;  // [8, 2]
  static constexpr double kStd = 0.5;
};

// gmm40 | dw4 | toy2d; anything else throws rfm::Error listing the valid names.
std::shared_ptr<Energy> make_energy(const std::string& name);

// The energy as an unconditional flow target (gradient by one autograd pass over all points).
std::shared_ptr<flow::LogDensity> energy_target(std::shared_ptr<const Energy> energy);

}  // namespace rfm::energies
