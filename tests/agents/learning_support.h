// Shared by the agents' learning tests: one-thread execution as `rfm --threads 1` sets it, and a
// whole training run in a temporary folder that reports its last evaluation return.
#pragma once

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rfm/rl/agent.h"
#include "rfm/rl/config.h"
#include "rfm/rl/trainer.h"

namespace rfm::agents {

// LibTorch and OpenBLAS on one thread each, as `rfm --threads 1` sets them.
inline void use_one_thread() {
  at::set_num_threads(1);
  using SetThreads = void (*)(int);
  if (auto set_blas_threads =
          reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
}

// Trains a new run of `config` (its run identity set) through the trainer, as `rfm train` does, in
// a temporary folder that is removed afterwards; returns the return_mean of eval.csv's last row.
inline double train_and_read_last_evaluation(const rl::Config& config,
                                              const rl::AgentFactory& factory) {
  std::string pattern = ::testing::TempDir() + "rfm_learning_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "cannot create " << pattern;
  const std::filesystem::path run_dir = std::filesystem::path(pattern) / "run";
  rl::train_new_run(config, run_dir.string(), factory, rl::TrainerHooks{});
  std::ifstream in(run_dir / "eval.csv");
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::filesystem::remove_all(pattern);
  const std::size_t first_comma = last.find(',');
  return std::stod(last.substr(first_comma + 1, last.find(',', first_comma + 1) - first_comma - 1));
}

}  // namespace rfm::agents
