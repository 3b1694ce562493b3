#include "rfm/agents/agent_state.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <istream>
#include <mutex>

#include "rfm/flow/source.h"
#include "rfm/util/error.h"
#include "rfm/util/rng.h"

namespace rfm::agents {

namespace {
// The salt of the initial-weights stream (util/rng.h derived_seed): distinct from the update
// stream, which is seeded with the agent's seed itself.
constexpr std::uint64_t kInitialWeightsStream = 1;
}  // namespace

void write_module(torch::serialize::OutputArchive& archive, const std::string& key,
                  const torch::nn::Module& module) {
  torch::serialize::OutputArchive child;
  module.save(child);
  archive.write(key, child);
}

void write_optimizer(torch::serialize::OutputArchive& archive, const std::string& key,
                     const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive child;
  optimizer.save(child);
  archive.write(key, child);
}

void write_generator(torch::serialize::OutputArchive& archive, const std::string& key,
                     at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  archive.write(key, generator.get_state());
}

void read_module(torch::serialize::InputArchive& archive, const std::string& key,
                 torch::nn::Module& module) {
  torch::serialize::InputArchive child;
  archive.read(key, child);
  module.load(child);
}

void read_optimizer(torch::serialize::InputArchive& archive, const std::string& key,
                    torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive child;
  archive.read(key, child);
  optimizer.load(child);
}

void read_generator(torch::serialize::InputArchive& archive, const std::string& key,
                    at::Generator& generator) {
  torch::Tensor state;
  archive.read(key, state);
  std::lock_guard<std::mutex> lock(generator.mutex());
  // CPU and CUDA generators keep states of different sizes (a Mersenne twister, a Philox seed and
  // offset); the state is a CPU byte tensor on every device.
  if (state.numel() != generator.get_state().numel())
    throw Error(
        "the checkpoint's random-generator state is from another kind of device; resume "
        "the run with the --device it was trained on");
  generator.set_state(state.cpu());
}

void read_archive(std::istream& in, c10::Device device,
                  const std::function<void(torch::serialize::InputArchive&)>& read) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(in, device);
    read(archive);
  } catch (const c10::Error& error) {
    // LibTorch's messages carry a C++ backtrace; keep the first line only.
    std::string message = error.what_without_backtrace();
    message = message.substr(0, message.find('\n'));
    throw Error("the agent state in the checkpoint cannot be read (" + message + ")");
  }
}

at::Generator initial_weights_generator(const rl::AgentContext& context) {
  return flow::make_generator(derived_seed(context.seed, kInitialWeightsStream, 0));
}

at::Generator update_generator(const rl::AgentContext& context) {
  return flow::make_generator(context.seed, context.device);
}

double milliseconds_since(std::chrono::steady_clock::time_point& start) {
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - start).count();
  start = now;
  return ms;
}

double gradient_norm(const std::vector<torch::Tensor>& parameters) {
  double squares = 0.0;
  for (const auto& parameter : parameters)
    if (parameter.grad().defined()) squares += parameter.grad().pow(2).sum().item<double>();
  return std::sqrt(squares);
}

}  // namespace rfm::agents
