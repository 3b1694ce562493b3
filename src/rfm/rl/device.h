#pragma once
// The device that agents' networks live on and their updates run on: a property of the machine,
// like the thread count, chosen per process (rfm --device), passed to the trainer and the agents
// (TrainerHooks::device, AgentContext::device), and never stored in a run's config.

#include <c10/core/Device.h>

#include <string>

namespace rfm::rl {

// Parses a device name (cpu, cuda, cuda:N); throws rfm::Error for a malformed name, or for a CUDA
// device when LibTorch sees none (a CPU-only LibTorch, or no GPU visible).
c10::Device parse_device(const std::string& name);

}  // namespace rfm::rl
