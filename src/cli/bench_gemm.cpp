// rfm bench gemm: this machine's single-precision GEMM rate through LibTorch (torch::mm on square
// float32 matrices), and which BLAS library the process has loaded (OpenBLAS expected: Debian's
// reference BLAS is about 25× slower).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

#include "cli/commands.h"

namespace rfm::cli {

double measure_sgemm_gflops(int64_t n, int rounds) {
  const auto options = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor a = at::randn({n, n}, options), b = at::randn({n, n}, options);
  at::Tensor c = at::mm(a, b);  // warm-up
  std::vector<double> rates;
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(2.0 * n * n * n / seconds * 1e-9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

std::string loaded_blas_library() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.rfind('/');
    if (slash == std::string::npos) continue;
    const std::string file = line.substr(slash + 1);
    if (file.find("blas") != std::string::npos || file.find("mkl") != std::string::npos)
      return line.substr(line.find('/'));
  }
  return "unknown (no BLAS library found in /proc/self/maps)";
}

namespace {
struct BenchGemmOptions {
  std::vector<int64_t> sizes = {256, 512, 1024, 2048};
  int rounds = 9;
};
}  // namespace

void add_bench_gemm_command(CLI::App& bench) {
  auto options = std::make_shared<BenchGemmOptions>();
  CLI::App* command = bench.add_subcommand(
      "gemm",
      "float32 GEMM rate through LibTorch (median over rounds) and the loaded BLAS library");
  command->add_option("--sizes", options->sizes, "square matrix sizes, each in [1, 16384]")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, int64_t{16384}))
      ->capture_default_str();
  command->add_option("--rounds", options->rounds, "rounds per size (the median is printed)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->callback([options] {
    std::printf("threads %d\nblas %s\n", at::get_num_threads(), loaded_blas_library().c_str());
    std::printf("%8s %12s\n", "n", "GFLOP/s");
    for (int64_t n : options->sizes) {
      std::printf("%8lld %12.1f\n", static_cast<long long>(n),
                  measure_sgemm_gflops(n, options->rounds));
      std::fflush(stdout);
    }
  });
}

}  // namespace rfm::cli
