// Shared pieces of every agent's checkpoint state and update bookkeeping: modules, optimisers and
// the random stream written to one LibTorch archive, and read back with clear errors.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

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

// Before an agent builds its networks: keep freed memory in the heap (util/allocator.h) and seed
// LibTorch's global generator, which draws the initial weights, so that --seed fixes them.
void prepare_agent_initialisation(std::uint64_t seed);
// `value`, after prepare_agent_initialisation(seed): lets a constructor prepare in its member
// initialiser list, before its first network member is built.
template <class T>
const T& after_initialisation_prepared(const T& value, std::uint64_t seed) {
  prepare_agent_initialisation(seed);
  return value;
}

// Milliseconds since `start`, which moves to now (the update-time columns of train.csv).
double milliseconds_since(std::chrono::steady_clock::time_point& start);

// The Euclidean norm of all gradients of `parameters` (0 where none was computed).
double gradient_norm(const std::vector<torch::Tensor>& parameters);

}  // namespace rfm::agents
