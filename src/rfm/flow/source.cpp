#include "rfm/flow/source.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <cmath>
#include <limits>
#include <mutex>

#include "rfm/util/error.h"

namespace rfm::flow {

namespace {
constexpr double kLogTwoPi = 1.8378770664093454836;
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
  return "uniform[" + std::to_string(lower_) + "," + std::to_string(upper_) + "]";
}

}  // namespace rfm::flow
