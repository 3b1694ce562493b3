// Networks shared by the agents (docs/algorithms.md §3–§4): sinusoidal embeddings, the residual
// GELU velocity network of the flow policy, an ensemble of Q networks evaluated as one batched
// module, and SAC's Gaussian policy network on the same residual trunk. All use orthogonal
// initialisation with gain sqrt(2) and zero biases, drawn with a CPU generator the caller passes
// (LibTorch's Linear first draws a default initialisation from its global generator; it is
// overwritten).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <utility>

namespace rfm::nn {

// The widths and depths of the agents' networks (the preset keys network.*; docs/algorithms.md §3).
struct NetworkSizes {
  int64_t hidden = 256;         // the policy networks' layer width
  int64_t residual_blocks = 2;  // their residual GELU blocks
  int64_t embedding = 128;      // the sinusoidal embedding of t and of λ (even)
  int64_t critic_hidden = 256;  // each Q network's layer width
  int64_t critic_layers = 2;    // its hidden ReLU layers
};

// 128-d embedding of a scalar per row: [sin(x f_k), cos(x f_k)] with f_k = exp(-k ln(1000) / 63),
// k = 0..63 (§3). x: [N] or [N, 1]; returns [N, 2 * half_size].
torch::Tensor sinusoidal_embedding(const torch::Tensor& x, int64_t half_size = 64);

// Fills the [rows, columns...] tensor `weight` with a random (semi-)orthogonal matrix times gain,
// drawn with `generator` (a CPU generator).
void orthogonal_(torch::Tensor weight, double gain, const at::Generator& generator);
// Orthogonal weights (gain), zero biases, for every Linear below `module`.
void orthogonal_init(torch::nn::Module& module, double gain, const at::Generator& generator);

// §3's trunk after the first GELU: h <- h + GELU(Dense(h)) for each block, then `output`.
torch::Tensor residual_gelu_trunk(torch::Tensor h, torch::nn::ModuleList& blocks,
                                  torch::nn::Linear& output);

struct VelocityNetworkImpl : torch::nn::Module {
  // input concat(s, u_t, emb(t), emb(λ)) -> Dense(hidden) -> GELU -> residual blocks -> Dense(d),
  // each embedding `embedding_size` wide.
  VelocityNetworkImpl(const at::Generator& initial_weights, int64_t state_size, int64_t action_size,
                      int64_t hidden = 256, int64_t residual_blocks = 2,
                      int64_t embedding_size = 128);
  // state [N, s], u_t [N, d], t [N], temperature [N]; returns the velocity [N, d].
  torch::Tensor forward(const torch::Tensor& state, const torch::Tensor& u_t,
                        const torch::Tensor& t, const torch::Tensor& temperature);

  // The same function split for ODE integration, where s and λ stay fixed along a path and t is
  // shared by all rows: the first layer's state, λ and bias terms once per path [N, hidden] ...
  torch::Tensor condition_features(const torch::Tensor& state, const torch::Tensor& temperature);
  // ... then per step only the u_t and t terms. forward_conditioned(condition_features(s, λ), u, t)
  // equals forward(s, u, t, λ) up to rounding.
  torch::Tensor forward_conditioned(const torch::Tensor& condition_features,
                                    const torch::Tensor& u_t, double t);

  // The layers after the first GELU: residual blocks and the output layer.
  torch::Tensor residual_trunk(torch::Tensor hidden_activations);

  int64_t state_size, action_size, embedding_size;
  torch::nn::Linear input{nullptr}, output{nullptr};
  torch::nn::ModuleList blocks;
};
TORCH_MODULE(VelocityNetwork);

// E independent MLPs on concat(s, a) with ReLU hidden layers, stored as stacked weights so that one
// batched matrix product evaluates all members.
struct CriticEnsembleImpl : torch::nn::Module {
  CriticEnsembleImpl(const at::Generator& initial_weights, int64_t state_size, int64_t action_size,
                     int64_t members = 2, int64_t hidden = 256, int64_t hidden_layers = 2);
  // state [N, s], action [N, d]; returns Q values [E, N].
  torch::Tensor forward(const torch::Tensor& state, const torch::Tensor& action);
  // min over members: [N].
  torch::Tensor min_q(const torch::Tensor& state, const torch::Tensor& action);
  // Copies parameters from `source` with Polyak averaging: p <- (1 - tau) p + tau p_source.
  void polyak_update_from(const CriticEnsembleImpl& source, double tau);

  int64_t members;
  std::vector<torch::Tensor> weights, biases;  // weights[l]: [E, in, out], biases[l]: [E, 1, out]
};
TORCH_MODULE(CriticEnsemble);

// SAC's actor (§4), as the RFM authors ran it: the flow policy's residual GELU trunk on the state
// alone (Dense(hidden) -> GELU -> residual blocks -> Dense), whose output gives a Gaussian's mean
// and log standard deviation per action dimension. The tanh squashing and the clamp of the log
// standard deviation belong to the agent.
struct GaussianPolicyNetworkImpl : torch::nn::Module {
  GaussianPolicyNetworkImpl(const at::Generator& initial_weights, int64_t state_size,
                            int64_t action_size, int64_t hidden = 256, int64_t residual_blocks = 2);
  // state [N, s]; returns (mean [N, d], log standard deviation [N, d]).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& state);

  torch::nn::Linear input{nullptr};
  torch::nn::ModuleList blocks;
  torch::nn::Linear output{nullptr};  // [mean, log std]: 2d outputs
};
TORCH_MODULE(GaussianPolicyNetwork);

}  // namespace rfm::nn
