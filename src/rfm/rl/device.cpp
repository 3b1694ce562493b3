#include "rfm/rl/device.h"

#include <c10/util/Exception.h>
#include <torch/cuda.h>

#include "rfm/util/error.h"

namespace rfm::rl {

c10::Device parse_device(const std::string& name) {
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const c10::Error&) {
    throw Error("'" + name + "' is not a device (valid: cpu, cuda, cuda:N)");
  }
  if (!device.is_cpu() && !device.is_cuda())
    throw Error("device '" + name + "' is not supported (valid: cpu, cuda, cuda:N)");
  if (device.is_cpu() && device.has_index())
    throw Error("device '" + name + "': the CPU takes no index (valid: cpu, cuda, cuda:N)");
  if (device.is_cuda()) {
    const auto count = static_cast<int>(torch::cuda::device_count());
    if (count == 0)
      throw Error("device '" + name +
                  "': LibTorch sees no CUDA device (this rfm is built against a CPU-only "
                  "LibTorch, or no GPU is visible)");
    if (device.has_index() && device.index() >= count)
      throw Error("device '" + name + "': only " + std::to_string(count) +
                  " CUDA device(s) visible");
  }
  return device;
}

}  // namespace rfm::rl
