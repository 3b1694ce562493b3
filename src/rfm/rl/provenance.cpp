#include "rfm/rl/provenance.h"

#include <ATen/Parallel.h>
#include <link.h>
#include <mujoco/mujoco.h>
#include <torch/version.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "rfm/rl/device.h"
#include "rfm_commit.h"

namespace rfm::rl {

namespace {

// The first loaded shared library whose file name holds "blas", as its real path (it tells the
// BLAS behind libblas.so.3, e.g. .../openblas-pthread/libblas.so.3); "unknown" when none is.
std::string loaded_blas() {
  std::string found;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, std::size_t, void* data) {
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        const std::string file = std::filesystem::path(name).filename().string();
        if (file.find("blas") == std::string::npos) return 0;
        std::error_code error;
        const std::filesystem::path real = std::filesystem::canonical(name, error);
        *static_cast<std::string*>(data) = error ? name : real.string();
        return 1;
      },
      &found);
  return found.empty() ? "unknown" : found;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

void add_provenance(Config& config, c10::Device device) {
  config.define("provenance.rfm_commit", std::string(RFM_COMMIT));
  config.define("provenance.libtorch", std::string(TORCH_VERSION));
  config.define("provenance.mujoco", std::string(mj_versionString()));
  config.define("provenance.blas", loaded_blas());
  config.define("provenance.threads", static_cast<std::int64_t>(at::get_num_threads()));
  config.define("provenance.device", device.str());
  config.define("provenance.created", utc_now());
}

bool is_provenance_key(const std::string& key) {
  return key.rfind("provenance.", 0) == 0;
}

}  // namespace rfm::rl
