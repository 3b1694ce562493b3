#include "rfm/nn/networks.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>

#include <cmath>

namespace rfm::nn {

torch::Tensor sinusoidal_embedding(const torch::Tensor& x, int64_t half_size) {
  const auto options = x.options();
  // f_k = exp(-k ln(1000) / (half_size - 1)), k = 0..half_size-1 (§3).
  const auto k = torch::arange(half_size, options);
  const auto frequencies = torch::exp(-k * (std::log(1000.0) / static_cast<double>(half_size - 1)));
  const auto angles = x.reshape({-1, 1}) * frequencies.reshape({1, -1});
  return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

void orthogonal_init(torch::nn::Module& module, double gain) {
  torch::NoGradGuard no_grad;
  // Children only: this also runs inside constructors, before the module is owned by a shared_ptr.
  for (auto& child : module.modules(/*include_self=*/false)) {
    if (auto* linear = child->as<torch::nn::Linear>()) {
      torch::nn::init::orthogonal_(linear->weight, gain);
      if (linear->bias.defined()) linear->bias.zero_();
    }
  }
}

VelocityNetworkImpl::VelocityNetworkImpl(int64_t state_size, int64_t action_size, int64_t hidden,
                                         int64_t residual_blocks) {
  const int64_t input_size = state_size + action_size + 2 * 128;
  input = register_module("input", torch::nn::Linear(input_size, hidden));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < residual_blocks; ++i) blocks->push_back(torch::nn::Linear(hidden, hidden));
  output = register_module("output", torch::nn::Linear(hidden, action_size));
  orthogonal_init(*this, std::sqrt(2.0));
}

torch::Tensor VelocityNetworkImpl::forward(const torch::Tensor& state, const torch::Tensor& u_t,
                                           const torch::Tensor& t,
                                           const torch::Tensor& temperature) {
  namespace F = torch::nn::functional;
  // §3: concat(s, u_t, emb(t), emb(λ)) -> Dense -> GELU.
  auto h = F::gelu(input->forward(
      torch::cat({state, u_t, sinusoidal_embedding(t), sinusoidal_embedding(temperature)}, 1)));
  // §3: residual blocks h <- h + GELU(Dense(h)).
  for (const auto& block : *blocks) h = h + F::gelu(block->as<torch::nn::Linear>()->forward(h));
  return output->forward(h);
}

CriticEnsembleImpl::CriticEnsembleImpl(int64_t state_size, int64_t action_size, int64_t members_,
                                       int64_t hidden, int64_t hidden_layers)
    : members(members_) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> sizes = {state_size + action_size};
  for (int64_t i = 0; i < hidden_layers; ++i) sizes.push_back(hidden);
  sizes.push_back(1);
  for (std::size_t layer = 0; layer + 1 < sizes.size(); ++layer) {
    // Each member's [out, in] matrix is initialised orthogonally on its own, then stored [in, out].
    auto weight = torch::empty({members, sizes[layer], sizes[layer + 1]});
    for (int64_t e = 0; e < members; ++e) {
      auto member = torch::empty({sizes[layer + 1], sizes[layer]});
      torch::nn::init::orthogonal_(member, std::sqrt(2.0));
      weight[e].copy_(member.t());
    }
    weights.push_back(register_parameter("weight" + std::to_string(layer), weight));
    biases.push_back(
        register_parameter("bias" + std::to_string(layer), torch::zeros({members, 1, sizes[layer + 1]})));
  }
}

torch::Tensor CriticEnsembleImpl::forward(const torch::Tensor& state, const torch::Tensor& action) {
  // One batched product per layer for all members: [E, N, in] x [E, in, out].
  auto h = torch::cat({state, action}, 1).unsqueeze(0).expand({members, -1, -1});
  for (std::size_t layer = 0; layer < weights.size(); ++layer) {
    h = torch::baddbmm(biases[layer], h, weights[layer]);
    if (layer + 1 < weights.size()) h = torch::relu(h);
  }
  return h.squeeze(-1);
}

torch::Tensor CriticEnsembleImpl::min_q(const torch::Tensor& state, const torch::Tensor& action) {
  return std::get<0>(forward(state, action).min(0));
}

void CriticEnsembleImpl::polyak_update_from(const CriticEnsembleImpl& source, double tau) {
  torch::NoGradGuard no_grad;
  const auto mine = parameters();
  const auto theirs = source.parameters();
  for (std::size_t i = 0; i < mine.size(); ++i) mine[i].mul_(1.0 - tau).add_(theirs[i], tau);
}

}  // namespace rfm::nn
