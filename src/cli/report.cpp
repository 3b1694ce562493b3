// rfm report: a Markdown summary of the runs under a folder (a sweep's, or any other). Per task,
// one learning-curve panel drawn by gnuplot (a PNG beside the Markdown file) and a table with one
// row per algorithm: the evaluation return at fixed steps and the area under the curve, as the
// mean over seeds with its 95 % interval.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/curves_plot.h"
#include "rfm/rl/learning_curves.h"
#include "rfm/rl/trainer.h"
#include "rfm/util/error.h"
#include "rfm/util/files.h"

namespace rfm::cli {

namespace {
namespace fs = std::filesystem;

// Default table steps: the multiples of this that all algorithms of a task evaluated.
constexpr std::int64_t kDefaultStepSpacing = 50000;

struct ReportOptions {
  std::string folder;
  std::string out;
  std::vector<std::int64_t> at;
};

// The seeds of one algorithm on one task that share a parent folder (a sweep's
// <task>/<algorithm>/, or runs/<task>/<algorithm>-<preset>/).
struct Group {
  std::string algorithm;
  std::string parent;
  std::vector<rl::EvalCurve> seeds;
  LabelledCurve curve;
};

// A mean over seeds with the half-width of its 95 % interval (0 for a single seed).
struct Estimate {
  bool present = false;
  double mean = 0, half_width = 0;
  int seeds = 0;
};

// Reads every run under `folder` and groups them by task, then by algorithm and parent folder;
// runs without an evaluation yet are left out with a note.
std::map<std::string, std::vector<Group>> read_groups(const std::string& folder) {
  const std::vector<std::string> runs = rl::find_run_folders(folder);
  if (runs.empty())
    throw Error("no run folders (folders holding an eval.csv) under '" + folder + "'");
  std::map<std::string, std::vector<Group>> tasks;
  for (const std::string& run : runs) {
    const rl::RunIdentity identity = rl::run_identity(rl::read_run_config(run));
    rl::EvalCurve seed = rl::read_eval_csv((fs::path(run) / "eval.csv").string());
    if (seed.steps.empty()) {
      std::fprintf(stderr, "rfm: note: leaving out '%s': no evaluation yet\n", run.c_str());
      continue;
    }
    fs::path parent = fs::path(run).lexically_normal().parent_path();
    if (parent.empty()) parent = ".";
    std::vector<Group>& groups = tasks[identity.task];
    auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& candidate) {
      return candidate.algorithm == identity.algorithm && candidate.parent == parent.string();
    });
    if (group == groups.end()) {
      groups.push_back({identity.algorithm, parent.string(), {}, {}});
      group = groups.end() - 1;
      group->curve.first_run = run;
    }
    group->seeds.push_back(std::move(seed));
  }
  if (tasks.empty()) throw Error("no run under '" + folder + "' has an evaluation yet");
  return tasks;
}

// Legend labels of one task's groups: the algorithm's name, or where one algorithm comes from
// several folders (runs/cartpole-swingup/rfm-cpu and rfm-paper) the folder's name, or its path
// where even those are equal. The groups are then sorted by label.
void label_groups(std::vector<Group>& groups) {
  std::map<std::string, int> groups_per_algorithm, groups_per_folder_name;
  for (const Group& group : groups) {
    ++groups_per_algorithm[group.algorithm];
    ++groups_per_folder_name[rl::curve_label(group.parent)];
  }
  for (Group& group : groups) {
    const std::string folder_name = rl::curve_label(group.parent);
    if (groups_per_algorithm[group.algorithm] < 2)
      group.curve.label = group.algorithm;
    else if (groups_per_folder_name[folder_name] < 2)
      group.curve.label = folder_name;
    else
      group.curve.label = group.parent;
  }
  std::sort(groups.begin(), groups.end(),
            [](const Group& a, const Group& b) { return a.curve.label < b.curve.label; });
}

// Aggregates each group's seeds into its curve.
void aggregate_groups(const std::string& task, std::vector<Group>& groups) {
  for (Group& group : groups) {
    try {
      group.curve.data = rl::aggregate_seeds(group.seeds);
    } catch (const Error& error) {
      throw Error("task '" + task + "', '" + group.curve.label + "': " + error.what());
    }
  }
}

// The evaluation steps that every group of a task has.
std::vector<std::int64_t> common_steps(const std::vector<Group>& groups) {
  std::vector<std::int64_t> common = groups.front().curve.data.steps;
  for (const Group& group : groups) {
    std::vector<std::int64_t> kept;
    const auto& steps = group.curve.data.steps;
    std::set_intersection(common.begin(), common.end(), steps.begin(), steps.end(),
                          std::back_inserter(kept));
    common.swap(kept);
  }
  return common;
}

// The table's steps: --at, else the multiples of kDefaultStepSpacing among the common steps and
// the last common step.
std::vector<std::int64_t> table_steps(const std::vector<std::int64_t>& common,
                                      const std::vector<std::int64_t>& at) {
  if (!at.empty()) return at;
  std::vector<std::int64_t> steps;
  for (const std::int64_t step : common)
    if (step % kDefaultStepSpacing == 0 || step == common.back()) steps.push_back(step);
  return steps;
}

Estimate estimate_at(const LabelledCurve& curve, std::int64_t step) {
  const auto& steps = curve.data.steps;
  const auto found = std::lower_bound(steps.begin(), steps.end(), step);
  if (found == steps.end() || *found != step) return {};
  const std::size_t i = static_cast<std::size_t>(found - steps.begin());
  return {true, curve.data.means[i], curve.data.uppers[i] - curve.data.means[i], curve.data.seeds};
}

// Average return over training: per seed, the trapezoid area under its evaluation curve over
// `steps` (which every seed has) divided by their range; then the mean over seeds and its 95 %
// interval, computed as for one evaluation step whose returns are the seeds' averages.
Estimate average_return(const Group& group, const std::vector<std::int64_t>& steps) {
  if (steps.size() < 2) return {};
  std::vector<rl::EvalCurve> averages;
  for (const rl::EvalCurve& seed : group.seeds) {
    const auto value_at = [&seed](std::int64_t step) {
      const auto found = std::lower_bound(seed.steps.begin(), seed.steps.end(), step);
      return seed.return_means[static_cast<std::size_t>(found - seed.steps.begin())];
    };
    double area = 0;
    for (std::size_t i = 1; i < steps.size(); ++i)
      area += 0.5 * (value_at(steps[i - 1]) + value_at(steps[i])) * (steps[i] - steps[i - 1]);
    rl::EvalCurve average;
    average.path = seed.path;
    average.steps = {steps.back()};
    average.return_means = {area / (steps.back() - steps.front())};
    averages.push_back(average);
  }
  LabelledCurve curve;
  curve.data = rl::aggregate_seeds(averages);
  return estimate_at(curve, steps.back());
}

// Four significant digits without an exponent: 812.3, 15.00, 0.9123, 12345.
std::string format_number(double value) {
  const double magnitude = std::fabs(value);
  const int leading = magnitude > 0 ? static_cast<int>(std::floor(std::log10(magnitude))) : 0;
  const int decimals = std::clamp(3 - leading, 0, 6);
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string format_estimate(const Estimate& estimate, bool best) {
  if (!estimate.present) return "—";
  std::string text = format_number(estimate.mean);
  if (estimate.seeds >= 2) text += " ± " + format_number(estimate.half_width);
  return best ? "**" + text + "**" : text;
}

// A label inside a Markdown table cell: a bar would end the cell.
std::string table_cell(const std::string& text) {
  std::string escaped;
  for (const char c : text) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
  return escaped;
}

// One task's table: a row per group, a column per step and the average return; the best mean
// of each column in bold.
std::string task_table(const std::vector<Group>& groups, const std::vector<std::int64_t>& steps,
                       const std::vector<std::int64_t>& common) {
  std::vector<std::vector<Estimate>> columns;
  for (const std::int64_t step : steps) {
    columns.emplace_back();
    for (const Group& group : groups) columns.back().push_back(estimate_at(group.curve, step));
  }
  columns.emplace_back();
  for (const Group& group : groups) columns.back().push_back(average_return(group, common));

  std::ostringstream table;
  table << "| algorithm | seeds |";
  for (const std::int64_t step : steps) table << " step " << step << " |";
  if (common.size() >= 2)
    table << " average return (AUC), steps " << common.front() << "–" << common.back() << " |\n";
  else
    table << " average return (AUC) |\n";
  table << "|:--|--:|";
  for (std::size_t c = 0; c < columns.size(); ++c) table << "--:|";
  table << "\n";
  // The best mean of each column, where there are at least two to compare.
  std::vector<double> best(columns.size(), std::numeric_limits<double>::infinity());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::vector<double> means;
    for (const Estimate& estimate : columns[c])
      if (estimate.present) means.push_back(estimate.mean);
    if (means.size() >= 2) best[c] = *std::max_element(means.begin(), means.end());
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    table << "| " << table_cell(groups[g].curve.label) << " | " << groups[g].curve.data.seeds
          << " |";
    for (std::size_t c = 0; c < columns.size(); ++c)
      table << " "
            << format_estimate(columns[c][g],
                               columns[c][g].present && columns[c][g].mean == best[c])
            << " |";
    table << "\n";
  }
  return table.str();
}

// The figure of a task: <out without .md>-<task>.png, beside the Markdown file.
std::string figure_path(const std::string& out, const std::string& task) {
  const fs::path path(out);
  return (path.parent_path() / (path.stem().string() + "-" + task + ".png")).string();
}

void run_report(const ReportOptions& options) {
  // Check the output, read and group every run, then draw and write into temporary files that are
  // renamed onto the outputs once all succeeded.
  if (fs::path(options.out).extension() != ".md")
    throw Error("--out '" + options.out + "': the file name must end in .md");
  check_output_folder(options.out, "--out");
  std::vector<std::int64_t> at = options.at;
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  std::map<std::string, std::vector<Group>> tasks = read_groups(options.folder);

  std::ostringstream markdown;
  markdown
      << "# Report: " << options.folder << "\n\n"
      << "Evaluation return (`return_mean` of each run's eval.csv: the mean over its evaluation "
         "episodes) as the mean over seeds ± the half-width of its 95 % confidence interval "
         "(Student's t; no interval for a single seed). The average return (AUC) is the area under "
         "each seed's learning curve (trapezoid rule over the evaluation steps that all "
         "algorithms of the task have) divided by that step range, i.e. the return averaged "
         "over training; it needs two such steps. Where a task has several algorithms, the best "
         "mean "
         "of each column is bold; — marks a step without an evaluation.\n";
  std::vector<std::unique_ptr<AtomicOutput>> outputs;
  std::string figures;
  for (auto& [task, groups] : tasks) {
    label_groups(groups);
    aggregate_groups(task, groups);
    const std::vector<std::int64_t> common = common_steps(groups);
    std::vector<LabelledCurve> curves;
    for (const Group& group : groups) curves.push_back(group.curve);
    const std::string figure = figure_path(options.out, task);
    outputs.push_back(std::make_unique<AtomicOutput>(figure));
    draw_curves(curves, ImageFormat::kPng, outputs.back()->temporary_path(), task);
    figures += (figures.empty() ? "" : ", ") + figure;
    markdown << "\n## " << task << "\n\n"
             << "![" << task << ": evaluation return against environment steps]("
             << fs::path(figure).filename().string() << ")\n\n"
             << task_table(groups, table_steps(common, at), common);
  }
  outputs.push_back(std::make_unique<AtomicOutput>(options.out));
  outputs.back()->write(markdown.str());
  for (const auto& output : outputs) output->commit();
  // Notes on what the figures leave out, once they are written (an error is the one line then).
  for (const auto& [task, groups] : tasks)
    for (const Group& group : groups) print_curve_notes(group.curve);
  std::printf("wrote %s (%zu task%s) and %s\n", options.out.c_str(), tasks.size(),
              tasks.size() == 1 ? "" : "s", figures.c_str());
}
}  // namespace

void add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report",
      "Markdown summary of the runs under a folder: per task a learning-curve figure and a table "
      "of returns at fixed steps and the average return over training (gnuplot)");
  command
      ->add_option("folder", options->folder,
                   "folder of run folders, e.g. a sweep's --out; runs are grouped by the task and "
                   "algorithm in their config.toml")
      ->required();
  command
      ->add_option("--out", options->out,
                   "Markdown file; the figures go beside it as <name>-<task>.png")
      ->required();
  command
      ->add_option("--at", options->at,
                   "steps of the table, comma-separated (default: every 50000 steps that all "
                   "algorithms of a task evaluated, and the last such step)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  command->callback([options] { run_report(*options); });
}

}  // namespace rfm::cli
