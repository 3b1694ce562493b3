// Learning curves from run folders: find the runs (seeds) under a folder, read their eval.csv,
// and aggregate the seeds into a mean with a 95 % confidence interval for the mean at every
// evaluation step. `rfm plot` draws the result; `rfm report` is meant to reuse it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rfm::rl {

// One run's evaluation history, read from its eval.csv, in increasing step order.
struct EvalCurve {
  std::string path;  // the eval.csv it was read from, for messages
  std::vector<std::int64_t> steps;
  std::vector<double> return_means;
  std::vector<double> return_stds;
  std::vector<double> episodes;
};

// Several seeds of one configuration, reduced to one curve over the steps they all have.
struct AggregatedCurve {
  int seeds = 0;
  std::vector<std::int64_t> steps;
  std::vector<double> means;   // mean over seeds of return_mean
  std::vector<double> lowers;  // mean ∓ t_{0.975, n-1} · sd / sqrt(n); equal to the mean for
  std::vector<double> uppers;  // a single seed, which has no interval (see has_interval)
  // Rows per seed before the intersection: they differ when some seeds have steps that others
  // lack (runs of different lengths, or still running); those steps are left out.
  std::size_t fewest_rows = 0;
  std::size_t most_rows = 0;
  bool seeds_differ = false;

  bool has_interval() const { return seeds >= 2; }
};

// The run folders (directories holding an eval.csv) under `root`: `root` itself when it holds
// one, else every such folder below it, searched recursively (a run folder's own subfolders are
// not searched) and sorted by path. Throws rfm::Error when `root` does not exist or is not a
// directory; returns an empty list when no eval.csv is found.
std::vector<std::string> find_run_folders(const std::string& root);

// Reads an eval.csv. The header must name the columns step, return_mean, return_std and episodes
// (in any order, among others); steps are integers and every value of those columns is a finite
// number. A step written twice (a run resumed from an earlier checkpoint re-evaluates it) keeps
// its last row. Throws rfm::Error naming the file and line on any violation.
EvalCurve read_eval_csv(const std::string& path);

// Mean and 95 % interval over seeds at every step that all seeds have. Throws rfm::Error when
// `seeds` is empty, a seed has no rows, or the seeds share no step.
AggregatedCurve aggregate_seeds(const std::vector<EvalCurve>& seeds);

// The 0.975 quantile of Student's t distribution with `degrees_of_freedom` ≥ 1: a table up to
// 30, then the Cornish-Fisher expansion around the normal quantile 1.95996 (error < 1e-4).
double student_t_quantile_975(int degrees_of_freedom);

// The name a folder argument stands for in a legend: its base name, ignoring a trailing slash,
// and the real directory's name for "." or "..".
std::string curve_label(const std::string& folder);

}  // namespace rfm::rl
