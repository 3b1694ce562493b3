// rfm bench estimator: accuracy of every posterior-mean estimator (docs/algorithms.md §2) against a
// reference from 2^17 draws, on GMM-40 and on a 6-D Boltzmann target with the tanh latent, for
// K in {16, 64, 100, 256, 1024}; and the time of one estimator call with a two-layer MLP critic
// (B = 256, K = 100, 6-D actions) beside this machine's sgemm rate, measured in the same run.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "cli/commands.h"
#include "rfm/energies/energies.h"
#include "rfm/flow/estimators.h"
#include "rfm/util/error.h"
#include "rfm/util/files.h"

namespace rfm::cli {

namespace {
using flow::EstimatorOptions;
using flow::EstimatorSide;

struct BenchEstimatorOptions {
  std::string out = "bench_estimator.csv";
  std::string plot;  // PNG via gnuplot when set
  std::vector<int64_t> draws = {16, 64, 100, 256, 1024};
  int64_t points = 64;
  int64_t reference_log2 = 17;
  int repeats = 8;
  int timing_calls = 30;
  std::uint64_t seed = 0;
  bool skip_timing = false;
};

// One benchmark problem: fixed points x_t [B, d] at times t [B], a target and its conditions.
struct Problem {
  std::string name;
  std::shared_ptr<flow::LogDensity> target;
  torch::Tensor x, t, conditions;
};

// The smooth multimodal critic of the 6-D problem: Q(s, a) = Σ_j sin(3 a_j + s_j) − ‖a − s/2‖²/2.
torch::Tensor wavy_critic(const torch::Tensor& states, const torch::Tensor& actions) {
  return torch::sin(3 * actions + states).sum(-1) - 0.5 * (actions - 0.5 * states).pow(2).sum(-1);
}

std::vector<Problem> make_problems(const BenchEstimatorOptions& options) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const flow::Schedule schedule = flow::Schedule::flow();
  std::vector<Problem> problems;
  at::Generator generator = flow::make_generator(options.seed + 17);
  {
    // GMM-40: x_t = α x1 + β x0 with exact x1, t ~ U[0.1, 0.9].
    auto gmm = std::make_shared<energies::Gmm40>();
    Problem problem{"gmm40", energies::energy_target(gmm), {}, {}, {}};
    problem.t = at::rand({options.points}, generator, f64) * 0.8 + 0.1;
    const torch::Tensor x1 = gmm->sample(options.points, generator);
    problem.x =
        schedule.alpha(problem.t).unsqueeze(1) * x1 +
        schedule.beta(problem.t).unsqueeze(1) * at::randn({options.points, 2}, generator, f64);
    problems.push_back(problem);
  }
  {
    // Boltzmann, 6-D latent actions with a = tanh(u), λ = 1, states s ~ N(0, I_6); x_t from latent
    // "policy" draws u ~ N(0, I), t ~ U[0.1, 0.9]. (At λ = 0.1 every estimator has ESS ≈ 1.5 at
    // K ≤ 1024 and all fail alike.)
    Problem problem{
        "boltzmann6d", std::make_shared<flow::BoltzmannTarget>(wavy_critic, 1.0, true), {}, {}, {}};
    problem.conditions = at::randn({options.points, 6}, generator, f64);
    problem.t = at::rand({options.points}, generator, f64) * 0.8 + 0.1;
    problem.x =
        schedule.alpha(problem.t).unsqueeze(1) * at::randn({options.points, 6}, generator, f64) +
        schedule.beta(problem.t).unsqueeze(1) * at::randn({options.points, 6}, generator, f64);
    problems.push_back(problem);
  }
  return problems;
}

// Reference μ0 from 2^n draws in chunks: the optimal-diagonal estimator (§2, noise side, no ridge
// or clip) over all draws, from running sums rescaled to a common log-weight offset.
torch::Tensor reference_noise_mean(const Problem& problem, const BenchEstimatorOptions& options) {
  const flow::Schedule schedule = flow::Schedule::flow();
  const flow::GaussianSource source;
  at::Generator generator = flow::make_generator(options.seed + 1000003);
  const int64_t total = int64_t{1} << options.reference_log2,
                chunk = std::min<int64_t>(total, 4096);
  const int64_t b = problem.x.size(0), d = problem.x.size(1);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor log_offset = torch::full({b}, -std::numeric_limits<double>::infinity(), f64);
  // Sums with weights ω (linear) and ω² (second-moment terms), each relative to exp(log_offset).
  torch::Tensor sw = torch::zeros({b, 1}, f64), swx = torch::zeros({b, d}, f64),
                sws = torch::zeros({b, d}, f64);
  torch::Tensor sw2 = torch::zeros({b, 1}, f64), sw2x = torch::zeros({b, d}, f64),
                sw2s = torch::zeros({b, d}, f64);
  torch::Tensor sw2xs = torch::zeros({b, d}, f64), sw2ss = torch::zeros({b, d}, f64);
  for (int64_t done = 0; done < total; done += chunk) {
    const flow::PosteriorDraws draws =
        flow::draw_posterior(problem.x, problem.t, chunk, schedule, source, *problem.target,
                             problem.conditions, generator);
    const torch::Tensor new_offset =
        torch::maximum(log_offset, std::get<0>(draws.log_weights.max(1)));
    const torch::Tensor rescale = torch::exp(log_offset - new_offset).unsqueeze(1);
    const torch::Tensor rescale2 = rescale * rescale;
    const torch::Tensor w = torch::exp(draws.log_weights - new_offset.unsqueeze(1)).unsqueeze(-1);
    const torch::Tensor w2 = w * w;
    const torch::Tensor& x0 = draws.noise;
    const torch::Tensor& s0 = draws.noise_score;
    sw = sw * rescale + w.sum(1);
    swx = swx * rescale + (w * x0).sum(1);
    sws = sws * rescale + (w * s0).sum(1);
    sw2 = sw2 * rescale2 + w2.sum(1);
    sw2x = sw2x * rescale2 + (w2 * x0).sum(1);
    sw2s = sw2s * rescale2 + (w2 * s0).sum(1);
    sw2xs = sw2xs * rescale2 + (w2 * x0 * s0).sum(1);
    sw2ss = sw2ss * rescale2 + (w2 * s0 * s0).sum(1);
    log_offset = new_offset;
  }
  const torch::Tensor x_mean = swx / sw, s_mean = sws / sw;
  // Σ w² (x − x̄)(s − s̄) and Σ w² (s − s̄)², expanded (normalised weights: divide by (Σω)²).
  const torch::Tensor covariance = sw2xs - x_mean * sw2s - s_mean * sw2x + x_mean * s_mean * sw2;
  const torch::Tensor variance = sw2ss - 2 * s_mean * sw2s + s_mean * s_mean * sw2;
  const torch::Tensor lambda = -covariance / variance;
  return x_mean + lambda * s_mean;
}

struct Row {
  std::string target, estimator;
  int64_t draws;
  double mse, mean_ess;
};

std::vector<std::pair<std::string, EstimatorOptions>> estimator_set() {
  std::vector<std::pair<std::string, EstimatorOptions>> set;
  for (const char* name : {"snis", "eta0", "eta1", "optimal-iso", "optimal-diag"}) {
    for (EstimatorSide side : {EstimatorSide::noise, EstimatorSide::data}) {
      EstimatorOptions options = EstimatorOptions::parse(name);
      options.side = side;
      const bool side_matters = options.kind == flow::EstimatorKind::optimal_isotropic ||
                                options.kind == flow::EstimatorKind::optimal_diagonal;
      if (!side_matters && side == EstimatorSide::data) continue;  // one estimator on both sides
      set.emplace_back(side_matters
                           ? std::string(name) + (side == EstimatorSide::noise ? "/noise" : "/data")
                           : std::string(name),
                       options);
    }
  }
  return set;
}

std::vector<Row> accuracy_table(const BenchEstimatorOptions& options) {
  std::vector<Row> rows;
  const flow::Schedule schedule = flow::Schedule::flow();
  const flow::GaussianSource source;
  const auto estimators = estimator_set();
  for (const Problem& problem : make_problems(options)) {
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor reference = reference_noise_mean(problem, options);
    std::fprintf(stderr, "%s: reference from 2^%lld draws in %.1f s\n", problem.name.c_str(),
                 static_cast<long long>(options.reference_log2),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    for (int64_t k : options.draws) {
      std::vector<double> squared_error(estimators.size(), 0.0);
      double ess = 0;
      for (int repeat = 0; repeat < options.repeats; ++repeat) {
        // Every estimator sees the same draws.
        at::Generator generator = flow::make_generator(options.seed * 7919 + k * 131 + repeat);
        const flow::PosteriorDraws draws =
            flow::draw_posterior(problem.x, problem.t, k, schedule, source, *problem.target,
                                 problem.conditions, generator);
        for (std::size_t e = 0; e < estimators.size(); ++e) {
          const flow::PosteriorMean estimate =
              flow::posterior_mean(draws, problem.x, problem.t, schedule, estimators[e].second);
          squared_error[e] += (estimate.noise_mean - reference).pow(2).mean().item<double>();
          if (e == 0) ess += estimate.ess.mean().item<double>();
        }
      }
      for (std::size_t e = 0; e < estimators.size(); ++e)
        rows.push_back({problem.name, estimators[e].first, k, squared_error[e] / options.repeats,
                        ess / options.repeats});
    }
  }
  return rows;
}

void write_plot(const std::string& csv, const std::string& png) {
  const std::string script_path = png + ".gp";
  std::ofstream script(script_path);
  script << "set datafile separator ','\nset terminal pngcairo size 1200,500\nset output '" << png
         << "'\n"
         << "set logscale xy\nset xlabel 'K'\nset ylabel 'MSE of mu0'\nset key outside right\n"
         << "set multiplot layout 1,2\n";
  for (const char* target : {"gmm40", "boltzmann6d"}) {
    script << "set title '" << target << "'\nplot ";
    bool first = true;
    for (const auto& entry : estimator_set()) {
      script << (first ? "" : ", ") << "'" << csv << "' using (strcol(1) eq '" << target
             << "' && strcol(2) eq '" << entry.first << "' ? $3 : NaN):4 with linespoints title '"
             << entry.first << "'";
      first = false;
    }
    script << "\n";
  }
  script << "unset multiplot\n";
  script.close();
  if (std::system(("gnuplot '" + script_path + "' 2>/dev/null").c_str()) != 0)
    std::fprintf(stderr, "plot: gnuplot failed; the script is %s\n", script_path.c_str());
}

// Timing: one estimate_posterior_mean call, B = 256, K = 100, 6-D tanh-latent actions, 17-D states,
// critic MLP 23 → 256 → 256 → 1 (ReLU), float32, optimal-diag data side (the RFM default).
void time_estimator_call(const BenchEstimatorOptions& options) {
  torch::manual_seed(static_cast<std::uint64_t>(options.seed));
  const int64_t batch = 256, draws = 100, action_dim = 6, state_dim = 17, hidden = 256;
  torch::nn::Sequential critic(torch::nn::Linear(state_dim + action_dim, hidden), torch::nn::ReLU(),
                               torch::nn::Linear(hidden, hidden), torch::nn::ReLU(),
                               torch::nn::Linear(hidden, 1));
  auto q = [&critic](const torch::Tensor& states, const torch::Tensor& actions) {
    return critic->forward(torch::cat({states, actions}, 1));
  };
  flow::BoltzmannTarget target(q, 0.02, true);
  const flow::GaussianSource source;
  const flow::Schedule schedule = flow::Schedule::flow();
  at::Generator generator = flow::make_generator(options.seed + 5);
  const torch::Tensor states = at::randn({batch, state_dim}, generator, torch::kFloat);
  const torch::Tensor x = at::randn({batch, action_dim}, generator, torch::kFloat);
  const torch::Tensor t = at::rand({batch}, generator, torch::kFloat) * 0.98 + 0.01;
  EstimatorOptions estimator = EstimatorOptions::parse("optimal-diag");
  estimator.num_draws = draws;
  std::vector<double> seconds;
  const double peak_before = measure_sgemm_gflops(1024, 9);
  for (int call = 0; call < options.timing_calls + 3; ++call) {
    const auto start = std::chrono::steady_clock::now();
    const flow::PosteriorMean estimate =
        flow::estimate_posterior_mean(x, t, schedule, source, target, states, estimator, generator);
    (void)estimate.noise_mean.sum().item<float>();
    if (call >= 3)
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double peak_after = measure_sgemm_gflops(1024, 9);
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  // GEMM work: forward 2N(in·h + h·h + h) and the input gradient 2N(h + h·h + h·in), N = B·K rows.
  const double rows = static_cast<double>(batch * draws), in = state_dim + action_dim;
  const double gemm_flops = 2 * rows * (in * hidden + hidden * hidden + hidden) * 2;
  const double peak = 0.5 * (peak_before + peak_after);
  std::printf(
      "\nestimator call: B = %lld, K = %lld, %lld-D actions, critic %g-256-256-1 (ReLU), float32, "
      "optimal-diag data side, threads %d\n",
      static_cast<long long>(batch), static_cast<long long>(draws),
      static_cast<long long>(action_dim), in, at::get_num_threads());
  std::printf("median_ms %.2f (over %d calls; min %.2f)\n", 1e3 * median, options.timing_calls,
              1e3 * seconds.front());
  std::printf(
      "gemm_gflop_per_call %.3f\ngemm_rate_gflops %.1f\nsgemm_peak_gflops %.1f (n = 1024, before "
      "%.1f, after %.1f)\n"
      "fraction_of_peak %.2f\nblas %s\n",
      gemm_flops * 1e-9, gemm_flops / median * 1e-9, peak, peak_before, peak_after,
      gemm_flops / median * 1e-9 / peak, loaded_blas_library().c_str());
}

void run_bench_estimator(const BenchEstimatorOptions& options) {
  if (options.reference_log2 < 10 || options.reference_log2 > 24)
    throw Error("--reference-log2 must be in [10, 24]");
  // The outputs are written at the end: refuse paths that cannot be written before the work.
  check_output_file(options.out, "--out");
  if (!options.plot.empty()) check_output_file(options.plot, "--plot");
  const std::vector<Row> rows = accuracy_table(options);
  std::ofstream csv(options.out);
  if (!csv) throw Error("cannot write '" + options.out + "'");
  csv << "target,estimator,K,mse,mean_ess\n";
  std::printf("%-12s %-20s %6s %12s %10s\n", "target", "estimator", "K", "mse", "mean_ess");
  for (const Row& row : rows) {
    char line[256];
    std::snprintf(line, sizeof line, "%s,%s,%lld,%.6e,%.3f\n", row.target.c_str(),
                  row.estimator.c_str(), static_cast<long long>(row.draws), row.mse, row.mean_ess);
    csv << line;
    std::printf("%-12s %-20s %6lld %12.4e %10.2f\n", row.target.c_str(), row.estimator.c_str(),
                static_cast<long long>(row.draws), row.mse, row.mean_ess);
  }
  csv.close();
  // The MSE ratios of the variance-optimal estimators to η = 0 and η = 1, at the K that was run
  // closest to the presets' 100.
  const int64_t ratio_draws =
      *std::min_element(options.draws.begin(), options.draws.end(),
                        [](int64_t a, int64_t b) { return std::abs(a - 100) < std::abs(b - 100); });
  for (const char* target : {"gmm40", "boltzmann6d"}) {
    auto mse = [&](const std::string& estimator) {
      for (const Row& row : rows)
        if (row.target == target && row.estimator == estimator && row.draws == ratio_draws)
          return row.mse;
      throw Error("bench estimator: no row for " + estimator +
                  " at K = " + std::to_string(ratio_draws));
    };
    std::printf(
        "%s K=%lld: optimal-diag/data / eta0 = %.3f, / eta1 = %.3f; optimal-diag/noise / eta0 = "
        "%.3f, / eta1 = %.3f\n",
        target, static_cast<long long>(ratio_draws), mse("optimal-diag/data") / mse("eta0"),
        mse("optimal-diag/data") / mse("eta1"), mse("optimal-diag/noise") / mse("eta0"),
        mse("optimal-diag/noise") / mse("eta1"));
  }
  if (!options.plot.empty()) write_plot(options.out, options.plot);
  if (!options.skip_timing) time_estimator_call(options);
}
}  // namespace

void add_bench_estimator_command(CLI::App& bench) {
  auto options = std::make_shared<BenchEstimatorOptions>();
  CLI::App* command = bench.add_subcommand(
      "estimator",
      "posterior-mean estimator MSE against a 2^17-draw reference, and the time of one "
      "estimator call with an MLP critic beside the sgemm rate");
  command->add_option("--out", options->out, "CSV file (target,estimator,K,mse,mean_ess)")
      ->capture_default_str();
  command->add_option("--plot", options->plot, "PNG plot of MSE against K (gnuplot)");
  command->add_option("--draws", options->draws, "values of K, each in [1, 65536]")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, int64_t{65536}))
      ->capture_default_str();
  command->add_option("--points", options->points, "points (x_t, t) per target, at most 4096")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}))
      ->capture_default_str();
  command->add_option("--repeats", options->repeats, "independent draw sets per K, at most 1000")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_option("--reference-log2", options->reference_log2, "log2 of the reference's draws")
      ->capture_default_str();
  command->add_option("--timing-calls", options->timing_calls, "estimator calls timed (median)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--seed", options->seed, "seed")->capture_default_str();
  command->add_flag("--skip-timing", options->skip_timing, "only the accuracy table");
  command->callback([options] { run_bench_estimator(*options); });
}

}  // namespace rfm::cli
