#include "rfm/nn/networks.h"

#include <torch/linalg.h>
#include <torch/nn/functional/activation.h>

#include <cmath>
#include <string>
#include <utility>

#include "rfm/util/error.h"

namespace rfm::nn {

torch::Tensor sinusoidal_embedding(const torch::Tensor& x, int64_t half_size) {
  const auto options = x.options();
  // f_k = exp(-k ln(1000) / (half_size - 1)), k = 0..half_size-1 (§3).
  const auto k = torch::arange(half_size, options);
  const auto frequencies = torch::exp(-k * (std::log(1000.0) / static_cast<double>(half_size - 1)));
  const auto angles = x.reshape({-1, 1}) * frequencies.reshape({1, -1});
  return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

void orthogonal_(torch::Tensor weight, double gain, const at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const int64_t rows = weight.size(0), columns = weight.numel() / rows;
  // Saxe et al. (2014): Q of the QR decomposition of a standard normal matrix (taken on the taller
  // orientation), each column's sign set by R's diagonal so that Q is Haar-distributed.
  torch::Tensor normal = torch::empty({rows, columns}).normal_(0.0, 1.0, generator);
  if (rows < columns) normal.t_();
  auto [q, r] = torch::linalg_qr(normal);
  q.mul_(torch::sign(torch::diagonal(r)));
  if (rows < columns) q.t_();
  weight.view_as(q).copy_(q).mul_(gain);
}

void orthogonal_init(torch::nn::Module& module, double gain, const at::Generator& generator) {
  torch::NoGradGuard no_grad;
  // Children only: this also runs inside constructors, before the module is owned by a shared_ptr.
  for (auto& child : module.modules(/*include_self=*/false)) {
    if (auto* linear = child->as<torch::nn::Linear>()) {
      orthogonal_(linear->weight, gain, generator);
      if (linear->bias.defined()) linear->bias.zero_();
    }
  }
}

VelocityNetworkImpl::VelocityNetworkImpl(const at::Generator& initial_weights, int64_t state_size_,
                                         int64_t action_size_, int64_t hidden,
                                         int64_t residual_blocks, int64_t embedding_size_)
    : state_size(state_size_), action_size(action_size_), embedding_size(embedding_size_) {
  if (embedding_size < 4 || embedding_size % 2 != 0)
    throw Error("network.embedding must be an even number of at least 4, not " +
                std::to_string(embedding_size));
  const int64_t input_size = state_size + action_size + 2 * embedding_size;
  input = register_module("input", torch::nn::Linear(input_size, hidden));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < residual_blocks; ++i)
    blocks->push_back(torch::nn::Linear(hidden, hidden));
  output = register_module("output", torch::nn::Linear(hidden, action_size));
  orthogonal_init(*this, std::sqrt(2.0), initial_weights);
}

torch::Tensor VelocityNetworkImpl::forward(const torch::Tensor& state, const torch::Tensor& u_t,
                                           const torch::Tensor& t,
                                           const torch::Tensor& temperature) {
  namespace F = torch::nn::functional;
  // §3: concat(s, u_t, emb(t), emb(λ)) -> Dense -> GELU.
  auto h =
      F::gelu(input->forward(torch::cat({state, u_t, sinusoidal_embedding(t, embedding_size / 2),
                                         sinusoidal_embedding(temperature, embedding_size / 2)},
                                        1)));
  return residual_trunk(h);
}

torch::Tensor residual_gelu_trunk(torch::Tensor h, torch::nn::ModuleList& blocks,
                                  torch::nn::Linear& output) {
  namespace F = torch::nn::functional;
  // §3: residual blocks h <- h + GELU(Dense(h)), then the output layer.
  for (const auto& block : *blocks) h = h + F::gelu(block->as<torch::nn::Linear>()->forward(h));
  return output->forward(h);
}

torch::Tensor VelocityNetworkImpl::residual_trunk(torch::Tensor h) {
  return residual_gelu_trunk(std::move(h), blocks, output);
}

// Column blocks of the first layer's weight [hidden, s + d + 2 · embedding]: state, u_t, emb(t),
// emb(λ).
torch::Tensor VelocityNetworkImpl::condition_features(const torch::Tensor& state,
                                                      const torch::Tensor& temperature) {
  const auto& weight = input->weight;
  const int64_t embedding_start = state_size + action_size + embedding_size;
  return torch::addmm(input->bias, state, weight.narrow(1, 0, state_size).t()) +
         torch::matmul(sinusoidal_embedding(temperature, embedding_size / 2),
                       weight.narrow(1, embedding_start, embedding_size).t());
}

torch::Tensor VelocityNetworkImpl::forward_conditioned(const torch::Tensor& condition_features,
                                                       const torch::Tensor& u_t, double t) {
  namespace F = torch::nn::functional;
  const auto& weight = input->weight;
  // emb(t) is one row for all rows of the batch: its contribution is a single [1, hidden] vector.
  const auto time_row =
      torch::matmul(sinusoidal_embedding(torch::full({1}, t, u_t.options()), embedding_size / 2),
                    weight.narrow(1, state_size + action_size, embedding_size).t());
  auto h = F::gelu(torch::addmm(condition_features + time_row, u_t,
                                weight.narrow(1, state_size, action_size).t()));
  return residual_trunk(h);
}

CriticEnsembleImpl::CriticEnsembleImpl(const at::Generator& initial_weights, int64_t state_size,
                                       int64_t action_size, int64_t members_, int64_t hidden,
                                       int64_t hidden_layers)
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
      orthogonal_(member, std::sqrt(2.0), initial_weights);
      weight[e].copy_(member.t());
    }
    weights.push_back(register_parameter("weight" + std::to_string(layer), weight));
    biases.push_back(register_parameter("bias" + std::to_string(layer),
                                        torch::zeros({members, 1, sizes[layer + 1]})));
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

GaussianPolicyNetworkImpl::GaussianPolicyNetworkImpl(const at::Generator& initial_weights,
                                                     int64_t state_size, int64_t action_size,
                                                     int64_t hidden, int64_t residual_blocks) {
  input = register_module("input", torch::nn::Linear(state_size, hidden));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < residual_blocks; ++i)
    blocks->push_back(torch::nn::Linear(hidden, hidden));
  output = register_module("output", torch::nn::Linear(hidden, 2 * action_size));
  orthogonal_init(*this, std::sqrt(2.0), initial_weights);
}

std::pair<torch::Tensor, torch::Tensor> GaussianPolicyNetworkImpl::forward(
    const torch::Tensor& state) {
  // §4 (the authors' SAC): Dense -> GELU -> residual blocks -> Dense(2d) = [mean, log std].
  const torch::Tensor h = torch::nn::functional::gelu(input->forward(state));
  const auto mean_and_log_std = residual_gelu_trunk(h, blocks, output).chunk(2, 1);
  return {mean_and_log_std[0], mean_and_log_std[1]};
}

}  // namespace rfm::nn
