// Shared pieces of every agent's checkpoint state and update bookkeeping: modules, optimisers and
// the random stream written to one LibTorch archive, and read back with clear errors.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "rfm/rl/agent.h"

namespace rfm::agents {

void write_module(torch::serialize::OutputArchive& archive, const std::string& key,
                  const torch::nn::Module& module);
void write_optimizer(torch::serialize::OutputArchive& archive, const std::string& key,
                     const torch::optim::Optimizer& optimizer);
void write_generator(torch::serialize::OutputArchive& archive, const std::string& key,
                     at::Generator generator);

void read_module(torch::serialize::InputArchive& archive, const std::string& key,
                 torch::nn::Module& module);
void read_optimizer(torch::serialize::InputArchive& archive, const std::string& key,
                    torch::optim::Optimizer& optimizer);
void read_generator(torch::serialize::InputArchive& archive, const std::string& key,
                    at::Generator& generator);

// Loads an archive from `in` onto `device` and runs `read` on it; any LibTorch failure (a truncated
// stream, a missing key, a parameter of another shape, a generator state of another device) becomes
// one rfm::Error.
void read_archive(std::istream& in, c10::Device device,
                  const std::function<void(torch::serialize::InputArchive&)>& read);

// An agent's two random streams, both fixed by context.seed: the CPU generator that draws its
// networks' initial weights, and the generator on context.device that its updates draw from.
at::Generator initial_weights_generator(const rl::AgentContext& context);
at::Generator update_generator(const rl::AgentContext& context);

// Milliseconds since `start`, which moves to now (the update-time columns of train.csv).
double milliseconds_since(std::chrono::steady_clock::time_point& start);

// The Euclidean norm of all gradients of `parameters` (0 where none was computed).
double gradient_norm(const std::vector<torch::Tensor>& parameters);

}  // namespace rfm::agents
