#include "rfm/energies/energies.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "rfm/util/error.h"

namespace rfm::energies {

namespace {
constexpr double kLogTwoPi = 1.8378770664093454836;
constexpr double kPi = 3.14159265358979323846;

// log of an equal-weight isotropic Gaussian mixture at rows x [N, d]: logsumexp_k log N(x; m_k, s²
// I) − log M.
torch::Tensor mixture_log_density(const torch::Tensor& x, const torch::Tensor& means, double std) {
  const int64_t d = x.size(1);
  // ‖x − m_k‖² = ‖x‖² − 2 x·m_k + ‖m_k‖² through one GEMM: no [N, M, d] intermediate.
  const torch::Tensor m = means.to(x.dtype());
  const torch::Tensor squared =
      ((x * x).sum(1, true) - 2 * torch::mm(x, m.t()) + (m * m).sum(1).unsqueeze(0)).clamp_min(0);
  const double log_normaliser = -0.5 * d * kLogTwoPi - d * std::log(std);
  return torch::logsumexp(-0.5 * squared / (std * std), 1) + log_normaliser -
         std::log(static_cast<double>(means.size(0)));
}

// Exact mixture draws: a uniform component index, then its Gaussian.
torch::Tensor mixture_sample(int64_t n, const torch::Tensor& means, double std,
                             at::Generator& generator) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor component =
      at::randint(means.size(0), {n}, generator, options.dtype(torch::kLong));
  return means.index_select(0, component) + std * at::randn({n, means.size(1)}, generator, options);
}
}  // namespace

torch::Tensor Energy::sample(int64_t, at::Generator&) const {
  throw Error("energy '" + name() + "' has no exact sampler");
}

Gmm40::Gmm40() : std_(std::log1p(std::exp(1.0))) {
  // iDEM: torch.manual_seed(0); means = (rand(40, 2) − 0.5) · 2 · 40 in float32.
  at::Generator generator = at::detail::createCPUGenerator(0);
  means_ =
      ((at::rand({40, 2}, generator, torch::TensorOptions().dtype(torch::kFloat32)) - 0.5) * 80)
          .to(torch::kFloat64);
}

torch::Tensor Gmm40::log_density(const torch::Tensor& x) const {
  return mixture_log_density(x, means_, std_);
}

torch::Tensor Gmm40::sample(int64_t num_samples, at::Generator& generator) const {
  return mixture_sample(num_samples, means_, std_, generator);
}

torch::Tensor DoubleWell4::log_density(const torch::Tensor& x) const {
  const torch::Tensor particles = x.reshape({x.size(0), kParticles, kSpatialDim});
  torch::Tensor energy = torch::zeros({x.size(0)}, x.options());
  // Σ over unordered pairs i < j of the double well in the pair distance.
  for (int64_t i = 0; i < kParticles; ++i) {
    for (int64_t j = i + 1; j < kParticles; ++j) {
      const torch::Tensor distance =
          (particles.select(1, i) - particles.select(1, j)).pow(2).sum(-1).clamp_min(1e-12).sqrt();
      const torch::Tensor shifted = distance - kOffset;
      energy = energy + kA * shifted.pow(4) + kB * shifted.pow(2) + kC;
    }
  }
  return -energy;
}

GaussianRing::GaussianRing() {
  const torch::Tensor angle =
      torch::arange(8, torch::TensorOptions().dtype(torch::kFloat64)) * (2 * kPi / 8);
  means_ = 5.0 * torch::stack({torch::cos(angle), torch::sin(angle)}, 1);
}

torch::Tensor GaussianRing::log_density(const torch::Tensor& x) const {
  return mixture_log_density(x, means_, kStd);
}

torch::Tensor GaussianRing::sample(int64_t num_samples, at::Generator& generator) const {
  return mixture_sample(num_samples, means_, kStd, generator);
}

std::shared_ptr<Energy> make_energy(const std::string& name) {
  if (name == "gmm40") return std::make_shared<Gmm40>();
  if (name == "dw4") return std::make_shared<DoubleWell4>();
  if (name == "toy2d") return std::make_shared<GaussianRing>();
  throw Error("unknown energy '" + name + "' (valid: " + kEnergyNames + ")");
}

std::shared_ptr<flow::LogDensity> energy_target(std::shared_ptr<const Energy> energy) {
  return std::make_shared<flow::AutogradLogDensity>(
      [energy](const torch::Tensor& points, const torch::Tensor&) {
        return energy->log_density(points);
      });
}

}  // namespace rfm::energies
