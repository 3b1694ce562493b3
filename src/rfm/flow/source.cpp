#include "rfm/flow/source.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <cmath>
#include <limits>
#include <mutex>

#include "rfm/util/error.h"
#include "rfm/util/format.h"

namespace rfm::flow {

namespace {
constexpr double kLogTwoPi = 1.8378770664093454836;
constexpr double kPi = 3.14159265358979323846;
}  // namespace

std::shared_ptr<Source> make_source(const std::string& name) {
  if (name == "gaussian") return standard_gaussian_source();
  if (name == "uniform") return std::make_shared<UniformBoxSource>(-std::sqrt(3.0), std::sqrt(3.0));
  if (name == "laplace") return std::make_shared<LaplaceSource>(std::sqrt(0.5));
  if (name == "student-t") return std::make_shared<StudentTSource>(5.0, std::sqrt(3.0 / 5.0));
  throw Error("unknown source '" + name + "' (valid: " + kSourceNames + ")");
}

at::Generator make_generator(std::uint64_t seed, c10::Device device) {
  if (device.is_cpu()) return at::detail::createCPUGenerator(seed);
  // A generator of its own, not the device's default one that LibTorch's unseeded draws use.
  at::Generator generator = at::globalContext().defaultGenerator(device).clone();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(seed);
  return generator;
}

std::shared_ptr<Source> standard_gaussian_source() {
  return std::make_shared<GaussianSource>(1.0);
}

GaussianSource::GaussianSource(double scale) : scale_(scale) {
  if (!(scale > 0)) throw Error("Gaussian source needs a positive scale");
}

torch::Tensor GaussianSource::sample(at::IntArrayRef shape, at::Generator& generator,
                                     const torch::TensorOptions& options) const {
  torch::Tensor z = at::randn(shape, generator, options);
  return scale_ == 1.0 ? z : z * scale_;
}

torch::Tensor GaussianSource::log_density(const torch::Tensor& x) const {
  const double d = static_cast<double>(x.size(-1));
  return -0.5 * (x * x).sum(-1) / (scale_ * scale_) - d * (0.5 * kLogTwoPi + std::log(scale_));
}

torch::Tensor GaussianSource::score(const torch::Tensor& x) const {
  return -x / (scale_ * scale_);
}

std::string GaussianSource::name() const {
  return scale_ == 1.0 ? "gaussian" : "gaussian(scale=" + std::to_string(scale_) + ")";
}

UniformBoxSource::UniformBoxSource(double lower, double upper) : lower_(lower), upper_(upper) {
  if (!(upper > lower)) throw Error("uniform box source needs lower < upper");
}

torch::Tensor UniformBoxSource::sample(at::IntArrayRef shape, at::Generator& generator,
                                       const torch::TensorOptions& options) const {
  return at::rand(shape, generator, options) * (upper_ - lower_) + lower_;
}

torch::Tensor UniformBoxSource::log_density(const torch::Tensor& x) const {
  const double d = static_cast<double>(x.size(-1));
  const torch::Tensor inside = ((x >= lower_) & (x <= upper_)).all(-1);
  return torch::where(inside, torch::full({}, -d * std::log(upper_ - lower_), x.options()),
                      torch::full({}, -std::numeric_limits<double>::infinity(), x.options()));
}

torch::Tensor UniformBoxSource::score(const torch::Tensor& x) const {
  return torch::zeros_like(x);
}

std::string UniformBoxSource::name() const {
  return "uniform[" + format_shortest(lower_) + ", " + format_shortest(upper_) + "]";
}

LaplaceSource::LaplaceSource(double scale) : scale_(scale) {
  if (!(scale > 0)) throw Error("Laplace source needs a positive scale");
}

torch::Tensor LaplaceSource::sample(at::IntArrayRef shape, at::Generator& generator,
                                    const torch::TensorOptions& options) const {
  // The difference of two Exp(1) draws, −log(1 − U) with U in [0, 1), is Laplace(0, 1).
  const torch::Tensor first = at::rand(shape, generator, options);
  const torch::Tensor second = at::rand(shape, generator, options);
  return (torch::log1p(-second) - torch::log1p(-first)) * scale_;
}

torch::Tensor LaplaceSource::log_density(const torch::Tensor& x) const {
  const double d = static_cast<double>(x.size(-1));
  return -x.abs().sum(-1) / scale_ - d * std::log(2.0 * scale_);
}

torch::Tensor LaplaceSource::score(const torch::Tensor& x) const {
  return -torch::sign(x) / scale_;
}

std::string LaplaceSource::name() const {
  return "laplace(scale=" + std::to_string(scale_) + ")";
}

StudentTSource::StudentTSource(double dof, double scale) : dof_(dof), scale_(scale) {
  if (!(dof > 0) || !(scale > 0))
    throw Error("Student-t source needs positive degrees of freedom and scale");
}

torch::Tensor StudentTSource::sample(at::IntArrayRef shape, at::Generator& generator,
                                     const torch::TensorOptions& options) const {
  // z / sqrt(χ²_ν/ν), with χ²_ν = 2 Gamma(ν/2).
  const torch::Tensor normal = at::randn(shape, generator, options);
  const torch::Tensor chi_squared =
      2.0 * at::_standard_gamma(torch::full(shape, 0.5 * dof_, options), generator);
  return normal * torch::rsqrt(chi_squared / dof_) * scale_;
}

torch::Tensor StudentTSource::log_density(const torch::Tensor& x) const {
  const double d = static_cast<double>(x.size(-1));
  const double log_normaliser = std::lgamma(0.5 * (dof_ + 1)) - std::lgamma(0.5 * dof_) -
                                0.5 * std::log(dof_ * kPi) - std::log(scale_);
  const torch::Tensor z = x / scale_;
  return -0.5 * (dof_ + 1) * torch::log1p(z * z / dof_).sum(-1) + d * log_normaliser;
}

torch::Tensor StudentTSource::score(const torch::Tensor& x) const {
  const torch::Tensor z = x / scale_;
  return -(dof_ + 1) * z / (scale_ * (dof_ + z * z));
}

std::string StudentTSource::name() const {
  return "student-t(dof=" + std::to_string(dof_) + ", scale=" + std::to_string(scale_) + ")";
}

}  // namespace rfm::flow
