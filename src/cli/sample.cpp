// rfm sample: training-free sampling of an unnormalised density (docs/algorithms.md §5):
// integrate the probability-flow ODE with the velocity from a posterior-mean estimator at
// every step (or, with --sde-noise, an SDE that adds the score from the same draws) from any
// source, write the samples as CSV, and print the 2-Wasserstein distance to as many exact
// samples where they exist.
#include <torch/types.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "rfm/energies/energies.h"
#include "rfm/energies/wasserstein.h"
#include "rfm/flow/sampler.h"
#include "rfm/util/error.h"
#include "rfm/util/format.h"

namespace rfm::cli {

namespace {
struct SampleOptions {
  std::string energy;
  std::string estimator = "optimal-diag";
  std::string side = "data";
  std::string method = "euler";
  std::string schedule = "flow";
  std::string source = "gaussian";
  std::string score_estimator;  // empty: --estimator's
  double sde_noise = 0;
  int64_t samples = 1000;
  int64_t steps = 100;
  int64_t mc = 1000;
  double t_start = 0;  // 0: the energy's own default
  std::uint64_t seed = 0;
  std::string out;
};

void write_csv(const std::string& path, const torch::Tensor& samples) {
  std::ofstream file(path);
  if (!file) throw Error("cannot write '" + path + "'");
  const torch::Tensor rows = samples.to(torch::kFloat64).contiguous();
  const int64_t n = rows.size(0), d = rows.size(1);
  for (int64_t j = 0; j < d; ++j) file << (j ? ",x" : "x") << j;
  file << "\n";
  const double* data = rows.data_ptr<double>();
  char buffer[32];
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      std::snprintf(buffer, sizeof buffer, "%.9g", data[i * d + j]);
      file << (j ? "," : "") << buffer;
    }
    file << "\n";
  }
  if (!file) throw Error("failed writing '" + path + "'");
}

void run_sample(const SampleOptions& options) {
  // Validate every name before any work.
  const auto energy = energies::make_energy(options.energy);
  flow::SamplerOptions sampler;
  sampler.estimator = flow::EstimatorOptions::parse(options.estimator);
  sampler.estimator.side = flow::parse_estimator_side(options.side);
  sampler.estimator.num_draws = options.mc;
  sampler.method = flow::parse_ode_method(options.method);
  sampler.steps = options.steps;
  sampler.t_start = options.t_start > 0 ? options.t_start : energy->sampler_t_start();
  const flow::Schedule schedule = flow::Schedule::parse(options.schedule);
  const std::shared_ptr<flow::Source> source = flow::make_source(options.source);
  sampler.sde_noise = options.sde_noise;
  sampler.score_estimator = options.score_estimator.empty()
                                ? sampler.estimator
                                : flow::EstimatorOptions::parse(options.score_estimator);
  if (!std::isfinite(sampler.sde_noise)) throw Error("--sde-noise must be a finite number >= 0");
  if (sampler.sde_noise > 0) {
    if (sampler.method != flow::OdeMethod::euler)
      throw Error("--sde-noise steps by Euler–Maruyama; use it with --method euler");
  } else if (!options.score_estimator.empty()) {
    throw Error("--score-estimator is used only by the SDE sampler (--sde-noise > 0)");
  }

  at::Generator generator = flow::make_generator(options.seed);
  const auto start = std::chrono::steady_clock::now();
  const flow::SamplerResult result = flow::sample_probability_flow(
      *energies::energy_target(energy), *source, schedule, options.samples, energy->dim(),
      torch::Tensor(), sampler, generator);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!torch::isfinite(result.samples).all().item<bool>())
    throw Error(
        "sampling diverged (non-finite samples); try more --mc draws or a larger --t-start");
  if (!options.out.empty()) write_csv(options.out, result.samples);
  const std::string sampler_name = sampler.sde_noise > 0
                                       ? "sde(gamma=" + format_shortest(sampler.sde_noise) +
                                             ", score " + sampler.score_estimator.name() + ")"
                                       : options.method;

  std::printf(
      "energy %s  source %s  estimator %s (%s side)  %s, %lld steps from t = %g, K = %lld, %lld "
      "samples, seed %llu\n",
      energy->name().c_str(), options.source.c_str(), sampler.estimator.name().c_str(),
      options.side.c_str(), sampler_name.c_str(), static_cast<long long>(options.steps),
      sampler.t_start, static_cast<long long>(options.mc), static_cast<long long>(options.samples),
      static_cast<unsigned long long>(options.seed));
  std::printf("energy_evaluations %lld\nmean_ess %.2f\nseconds %.2f\n",
              static_cast<long long>(result.evaluations), result.mean_ess, seconds);
  if (energy->has_exact_sampler()) {
    // Exact reference samples from a separate stream of the same seed.
    at::Generator reference_generator = flow::make_generator(options.seed + 0x9E3779B97F4A7C15ULL);
    const torch::Tensor exact = energy->sample(options.samples, reference_generator);
    std::printf("w2 %.4f\n", energies::wasserstein2(result.samples, exact));
    // The metric's floor at this N: exact against a second, independent exact set.
    const torch::Tensor second = energy->sample(options.samples, reference_generator);
    std::printf("w2_exact_vs_exact %.4f\n", energies::wasserstein2(second, exact));
  } else {
    std::printf("w2 n/a (no exact sampler for %s)\n", energy->name().c_str());
  }
}
}  // namespace

void add_sample_command(CLI::App& app) {
  auto options = std::make_shared<SampleOptions>();
  CLI::App* command = app.add_subcommand(
      "sample",
      "sample an unnormalised density with the training-free flow sampler; prints W2 "
      "to exact samples where they exist");
  command->add_option("--energy", options->energy, std::string("energy: ") + energies::kEnergyNames)
      ->required();
  command
      ->add_option("--estimator", options->estimator,
                   std::string("posterior-mean estimator: ") + flow::kEstimatorNames)
      ->capture_default_str();
  command->add_option("--side", options->side, "estimator side: noise | data")
      ->capture_default_str();
  command->add_option("--method", options->method, "ODE method: euler | heun")
      ->capture_default_str();
  command->add_option("--schedule", options->schedule, "flow | vp-cosine | vp-linear | ve")
      ->capture_default_str();
  command
      ->add_option(
          "--source", options->source,
          std::string("source p0, mean 0 and variance 1 per dimension: ") + flow::kSourceNames)
      ->capture_default_str();
  command
      ->add_option("--sde-noise", options->sde_noise,
                   "γ > 0: integrate the SDE dx = [v + (g²/2) score] dt + g dW, g² = γ β_t, with "
                   "the score by reverse score matching (default 0: the ODE)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--score-estimator", options->score_estimator,
                      std::string("estimator of the SDE's score (default: --estimator's): ") +
                          flow::kEstimatorNames);
  command->add_option("--samples", options->samples, "number of samples N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--steps", options->steps, "ODE steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--mc", options->mc, "posterior draws K per sample and step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option(
          "--t-start", options->t_start,
          "first time of the ODE, x = β x0 there (default: gmm40 0.01, toy2d 0.05, dw4 0.1)")
      ->check(CLI::Range(1e-6, 0.99));
  command->add_option("--seed", options->seed, "seed for every draw")->capture_default_str();
  command->add_option("--out", options->out, "CSV file for the samples (header x0,x1,...)");
  command->callback([options] { run_sample(*options); });
}

}  // namespace rfm::cli
