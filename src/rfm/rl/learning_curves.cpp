#include "rfm/rl/learning_curves.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "rfm/util/error.h"

namespace rfm::rl {

namespace fs = std::filesystem;

namespace {
constexpr const char* kEvalFileName = "eval.csv";
constexpr std::array<const char*, 4> kRequiredColumns = {"step", "return_mean", "return_std",
                                                         "episodes"};

bool holds_eval_file(const fs::path& folder) {
  std::error_code error;
  return fs::is_regular_file(folder / kEvalFileName, error);
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
    fields.push_back(trim(line.substr(start, comma - start)));
  fields.push_back(trim(line.substr(start)));
  return fields;
}

// "FILE line N: " in front of every message about a row, so that the user can open the spot.
std::string where(const std::string& path, int line_number) {
  return "'" + path + "' line " + std::to_string(line_number) + ": ";
}

std::int64_t parse_step(const std::string& field, const std::string& path, int line_number) {
  std::int64_t value = 0;
  const char* end = field.data() + field.size();
  const auto [stop, error] = std::from_chars(field.data(), end, value);
  if (field.empty() || error != std::errc() || stop != end || value < 0)
    throw Error(where(path, line_number) + "step '" + field + "' is not a non-negative integer");
  return value;
}

double parse_number(const std::string& field, const std::string& column, const std::string& path,
                    int line_number) {
  char* stop = nullptr;
  const double value = std::strtod(field.c_str(), &stop);
  if (field.empty() || *stop != '\0' || !std::isfinite(value))
    throw Error(where(path, line_number) + column + " '" + field + "' is not a finite number");
  return value;
}
}  // namespace

std::vector<std::string> find_run_folders(const std::string& root) {
  std::error_code error;
  const fs::path root_path(root);
  if (!fs::exists(root_path, error)) throw Error("'" + root + "' does not exist");
  if (!fs::is_directory(root_path, error)) throw Error("'" + root + "' is not a directory");
  if (holds_eval_file(root_path)) return {root};

  // Follow directory links (run folders are often linked into a comparison folder), but enter
  // every real directory once so that a link cycle cannot loop.
  std::set<fs::path> visited{fs::canonical(root_path, error)};
  std::vector<std::string> folders;
  fs::recursive_directory_iterator it(root_path,
                                      fs::directory_options::follow_directory_symlink |
                                          fs::directory_options::skip_permission_denied,
                                      error);
  if (error) throw Error("cannot list '" + root + "': " + error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) throw Error("cannot list '" + root + "': " + error.message());
    std::error_code entry_error;
    if (!it->is_directory(entry_error)) continue;
    const fs::path real = fs::canonical(it->path(), entry_error);
    if (entry_error || !visited.insert(real).second) {
      it.disable_recursion_pending();
      continue;
    }
    if (holds_eval_file(it->path())) {
      folders.push_back(it->path().string());
      it.disable_recursion_pending();  // checkpoints and logs below a run hold no further runs
    }
  }
  if (error) throw Error("cannot list '" + root + "': " + error.message());
  std::sort(folders.begin(), folders.end());
  return folders;
}

EvalCurve read_eval_csv(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw Error("cannot read '" + path + "'");
  std::string line;
  if (!std::getline(file, line)) throw Error(where(path, 1) + "empty file, expected a header");

  // Find the required columns by name; further columns are allowed and ignored.
  const std::vector<std::string> header = split_fields(line);
  std::array<std::size_t, kRequiredColumns.size()> column_index{};
  for (std::size_t c = 0; c < kRequiredColumns.size(); ++c) {
    const auto found = std::find(header.begin(), header.end(), kRequiredColumns[c]);
    if (found == header.end())
      throw Error(where(path, 1) + "header has no column '" + kRequiredColumns[c] +
                  "' (expected step,return_mean,return_std,episodes)");
    column_index[c] = static_cast<std::size_t>(found - header.begin());
  }

  // Rows by step: a later row for the same step replaces the earlier one.
  struct Row {
    double return_mean, return_std, episodes;
  };
  std::map<std::int64_t, Row> rows;
  int line_number = 1;
  while (std::getline(file, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    const std::vector<std::string> fields = split_fields(line);
    if (fields.size() != header.size())
      throw Error(where(path, line_number) + std::to_string(fields.size()) +
                  " fields, the header has " + std::to_string(header.size()));
    const std::int64_t step = parse_step(fields[column_index[0]], path, line_number);
    rows[step] = {parse_number(fields[column_index[1]], "return_mean", path, line_number),
                  parse_number(fields[column_index[2]], "return_std", path, line_number),
                  parse_number(fields[column_index[3]], "episodes", path, line_number)};
  }
  if (file.bad()) throw Error("failed reading '" + path + "'");

  EvalCurve curve;
  curve.path = path;
  for (const auto& [step, row] : rows) {
    curve.steps.push_back(step);
    curve.return_means.push_back(row.return_mean);
    curve.return_stds.push_back(row.return_std);
    curve.episodes.push_back(row.episodes);
  }
  return curve;
}

AggregatedCurve aggregate_seeds(const std::vector<EvalCurve>& seeds) {
  if (seeds.empty()) throw Error("no seeds to aggregate");
  AggregatedCurve result;
  result.seeds = static_cast<int>(seeds.size());
  result.fewest_rows = result.most_rows = seeds.front().steps.size();
  for (const EvalCurve& seed : seeds) {
    if (seed.steps.empty()) throw Error("'" + seed.path + "' has no evaluation rows yet");
    result.fewest_rows = std::min(result.fewest_rows, seed.steps.size());
    result.most_rows = std::max(result.most_rows, seed.steps.size());
  }

  // Steps common to all seeds: each curve's steps are sorted and unique.
  std::vector<std::int64_t> common = seeds.front().steps;
  for (const EvalCurve& seed : seeds) {
    std::vector<std::int64_t> kept;
    std::set_intersection(common.begin(), common.end(), seed.steps.begin(), seed.steps.end(),
                          std::back_inserter(kept));
    common.swap(kept);
  }
  if (common.empty())
    throw Error("the seeds share no evaluation step (first seed: '" + seeds.front().path + "')");
  result.seeds_differ = std::any_of(seeds.begin(), seeds.end(), [&](const EvalCurve& seed) {
    return seed.steps.size() != common.size();
  });

  // Mean over seeds and its 95 % interval: mean ± t_{0.975, n-1} · sd / sqrt(n), with the
  // sample standard deviation sd (divisor n - 1).
  const int n = result.seeds;
  const double t_quantile = n >= 2 ? student_t_quantile_975(n - 1) : 0.0;
  std::vector<std::size_t> position(seeds.size(), 0);  // each seed's cursor into its rows
  for (const std::int64_t step : common) {
    double sum = 0;
    std::vector<double> values(seeds.size());
    for (std::size_t s = 0; s < seeds.size(); ++s) {
      while (seeds[s].steps[position[s]] != step) ++position[s];
      values[s] = seeds[s].return_means[position[s]];
      sum += values[s];
    }
    const double mean = sum / n;
    double half_width = 0;
    if (n >= 2) {
      double squares = 0;
      for (const double value : values) squares += (value - mean) * (value - mean);
      half_width = t_quantile * std::sqrt(squares / (n - 1)) / std::sqrt(static_cast<double>(n));
    }
    result.steps.push_back(step);
    result.means.push_back(mean);
    result.lowers.push_back(mean - half_width);
    result.uppers.push_back(mean + half_width);
  }
  return result;
}

double student_t_quantile_975(int degrees_of_freedom) {
  if (degrees_of_freedom < 1)
    throw Error("Student t quantile needs at least 1 degree of freedom, got " +
                std::to_string(degrees_of_freedom));
  static constexpr std::array<double, 30> kTable = {
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (degrees_of_freedom <= static_cast<int>(kTable.size())) return kTable[degrees_of_freedom - 1];
  // Cornish-Fisher expansion of t in powers of 1/ν around the normal quantile z.
  const double z = 1.959963984540054, nu = degrees_of_freedom;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
}

std::string curve_label(const std::string& folder) {
  fs::path path = fs::path(folder).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "runs/rfm/" names "rfm"
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    std::error_code error;
    const fs::path real = fs::weakly_canonical(path, error);
    if (!error && !real.filename().empty()) return real.filename().string();
    return folder;
  }
  return name;
}

}  // namespace rfm::rl
