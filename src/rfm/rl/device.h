#pragma once
// The device that agents' networks live on and their updates run on: a property of the machine,
// like the thread count, chosen once per process (rfm --device) and never stored in a run's config.

#include <c10/core/Device.h>

#include <string>

namespace rfm::rl {

// Parses a device name (cpu, cuda, cuda:N); throws rfm::Error for a malformed name, or for a CUDA
// device when LibTorch sees none (a CPU-only LibTorch, or no GPU visible).
c10::Device parse_device(const std::string& name);

// The process's compute device: the CPU unless set_compute_device chose another. Agents place their
// networks and generators there when they are built; the trainer moves batches and states there.
c10::Device compute_device();
void set_compute_device(c10::Device device);

}  // namespace rfm::rl
