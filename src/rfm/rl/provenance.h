// Where a run came from, recorded in its config.toml as a [provenance] table: the rfm commit the
// program was built from, the LibTorch and MuJoCo versions, the BLAS library loaded, the CPU thread
// count and the compute device. Informative only: a sweep does not compare these keys.
#pragma once

#include <c10/core/Device.h>

#include <string>

#include "rfm/rl/config.h"

namespace rfm::rl {

// Adds the provenance.* keys to a run's configuration (replacing any there); `device` is the one
// the run trains on.
void add_provenance(Config& config, c10::Device device);

// Whether a configuration key is one of those (not a setting of the run).
bool is_provenance_key(const std::string& key);

}  // namespace rfm::rl
