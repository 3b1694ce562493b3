// The rfm program's subcommands: each lives in its own file and registers itself on the app.
#pragma once

#include <c10/core/Device.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace rfm::cli {

// "algorithm: rfm | rfm-vp | ...": an --algo option's help, listing every implemented algorithm.
std::string algorithm_help();
inline constexpr const char* kPresetHelp =
    "hyper-parameter preset: paper (the published defaults) | cpu (this project's CPU budget)";

void add_tasks_command(CLI::App& app);
void add_rollout_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_bench_command(CLI::App& app);  // the parent of the bench_* subcommands below
void add_bench_env_command(CLI::App& bench);
void add_bench_estimator_command(CLI::App& bench);
void add_bench_gemm_command(CLI::App& bench);
void add_bench_update_command(CLI::App& bench);
void add_bench_bandit_command(CLI::App& bench);
// From bench_gemm.cpp: median float32 GEMM rate of n × n matrices through LibTorch, and the BLAS
// library file this process has loaded.
double measure_sgemm_gflops(int64_t n, int rounds);
// From bench.cpp: the median of a sample (the mean of the middle two for an even count).
double median(std::vector<double> values);
std::string loaded_blas_library();

// Options every command shares, read once in main.
struct GlobalOptions {
  std::string model_dir;    // --model-dir, else $RFM_MODEL_DIR, else the built-in models/
  std::string configs_dir;  // --configs-dir, else $RFM_CONFIGS_DIR, else the built-in configs/
  int threads = 0;          // --threads: intra-op threads for LibTorch and OpenBLAS (0 = default)
  std::string device = "cpu";  // --device: where agents' networks live and updates run
  c10::Device compute_device = c10::Device(c10::kCPU);  // --device, checked (apply_device)
};
GlobalOptions& global_options();
// The directory of algorithm presets (<algo>.toml) in effect.
std::string configs_dir();
// Sets LibTorch's and OpenBLAS's thread counts (no-op for 0).
void apply_thread_count(int threads);
// Checks --device and stores it in global_options().compute_device; throws rfm::Error for a device
// that LibTorch cannot use, or for a GPU with a command that runs on the CPU only.
void apply_device(const std::string& device, const CLI::App& app);

}  // namespace rfm::cli
