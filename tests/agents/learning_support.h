// Shared by the agents' learning tests: one-thread execution as `rfm --threads 1` sets it, and the
// last evaluation return of a run folder.
#pragma once

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace rfm::agents {

// LibTorch and OpenBLAS on one thread each, as `rfm --threads 1` sets them.
inline void use_one_thread() {
  at::set_num_threads(1);
  using SetThreads = void (*)(int);
  if (auto set_blas_threads =
          reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
}

// The return_mean of the last row of a run's eval.csv.
inline double last_evaluation_return(const std::filesystem::path& run_dir) {
  std::ifstream in(run_dir / "eval.csv");
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  const std::size_t first_comma = last.find(',');
  return std::stod(last.substr(first_comma + 1, last.find(',', first_comma + 1) - first_comma - 1));
}

}  // namespace rfm::agents
