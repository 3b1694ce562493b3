// Source distributions p0 for the interpolation x_t = α_t x1 + β_t x0 (docs/algorithms.md §1):
// sampling, log-density and score, on points [..., d] (the last dimension is the event dimension).
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

namespace rfm::flow {

class Source {
 public:
  virtual ~Source() = default;
  // Draws of shape `shape` (last entry d) with the generator's stream.
  virtual torch::Tensor sample(at::IntArrayRef shape, at::Generator& generator,
                               const torch::TensorOptions& options) const = 0;
  // log p0(x), summed over the last dimension: shape x.shape[:-1]. Normalised.
  virtual torch::Tensor log_density(const torch::Tensor& x) const = 0;
  // ∇ log p0(x), same shape as x.
  virtual torch::Tensor score(const torch::Tensor& x) const = 0;
  virtual std::string name() const = 0;
  // Whether the Langevin–Stein identity E_q0[s0] = 0 holds (score defined everywhere, boundary
  // terms vanish): true for Gaussians, false for the uniform box (use SNIS there).
  virtual bool supports_control_variates() const { return true; }
};

// N(0, scale² I); scale = 1 is the default source.
class GaussianSource : public Source {
 public:
  explicit GaussianSource(double scale = 1.0);
  torch::Tensor sample(at::IntArrayRef shape, at::Generator& generator,
                       const torch::TensorOptions& options) const override;
  torch::Tensor log_density(const torch::Tensor& x) const override;
  torch::Tensor score(const torch::Tensor& x) const override;
  std::string name() const override;
  double scale() const { return scale_; }

 private:
  double scale_;
};

// Uniform on the box [lower, upper]^d; log-density −inf outside, score zero inside.
class UniformBoxSource : public Source {
 public:
  UniformBoxSource(double lower, double upper);
  torch::Tensor sample(at::IntArrayRef shape, at::Generator& generator,
                       const torch::TensorOptions& options) const override;
  torch::Tensor log_density(const torch::Tensor& x) const override;
  torch::Tensor score(const torch::Tensor& x) const override;
  std::string name() const override;
  bool supports_control_variates() const override { return false; }

 private:
  double lower_, upper_;
};

// Laplace(0, scale) in each dimension: log p0 = −|x|/b − log 2b, score −sign(x)/b (the weak
// derivative; p0 is continuous, so the Langevin–Stein identity holds).
class LaplaceSource : public Source {
 public:
  explicit LaplaceSource(double scale);
  torch::Tensor sample(at::IntArrayRef shape, at::Generator& generator,
                       const torch::TensorOptions& options) const override;
  torch::Tensor log_density(const torch::Tensor& x) const override;
  torch::Tensor score(const torch::Tensor& x) const override;
  std::string name() const override;

 private:
  double scale_;
};

// Student's t with `dof` degrees of freedom and scale s in each dimension: log p0 = log Γ((ν+1)/2)
// − log Γ(ν/2) − ½ log νπ − log s − (ν+1)/2 log(1 + z²/ν), z = x/s; score −(ν+1) z/(s (ν + z²)).
class StudentTSource : public Source {
 public:
  StudentTSource(double dof, double scale);
  torch::Tensor sample(at::IntArrayRef shape, at::Generator& generator,
                       const torch::TensorOptions& options) const override;
  torch::Tensor log_density(const torch::Tensor& x) const override;
  torch::Tensor score(const torch::Tensor& x) const override;
  std::string name() const override;

 private:
  double dof_, scale_;
};

std::shared_ptr<Source> standard_gaussian_source();

// The sources by name, each with mean 0 and variance 1 in every dimension as N(0, I) has:
// gaussian N(0, 1); uniform on [−√3, √3]; laplace with scale 1/√2; student-t with ν = 5 and scale
// √(3/5). Anything else throws rfm::Error listing the names.
inline constexpr const char* kSourceNames = "gaussian, uniform, laplace, student-t";
std::shared_ptr<Source> make_source(const std::string& name);

// A generator seeded deterministically (one --seed drives all tensor draws), on the device whose
// tensors it draws: the CPU's Mersenne twister, or a CUDA device's Philox stream.
at::Generator make_generator(std::uint64_t seed, c10::Device device = c10::Device(c10::kCPU));

}  // namespace rfm::flow
