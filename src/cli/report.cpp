// rfm report: a Markdown summary of the runs under a folder (a sweep's, or any other). Two figures
// drawn by gnuplot beside the Markdown file, one panel per task each: the learning curves against
// environment steps and against wall-clock hours of training. Per task a table with one row per
// algorithm: the evaluation return at fixed steps and the area under the curve, as the mean over
// seeds with its 95 % interval, and the settings in which the runs differ from the algorithm's
// paper preset.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/curves_plot.h"
#include "rfm/envs/registry.h"
#include "rfm/rl/config.h"
#include "rfm/rl/learning_curves.h"
#include "rfm/rl/run_folder.h"
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
  std::vector<std::string> runs;  // the seeds' run folders
  LabelledCurve curve;
};

// Panels per row of the report's figures.
constexpr int kFigureColumns = 3;

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
      groups.push_back({identity.algorithm, parent.string(), {}, {}, {}});
      group = groups.end() - 1;
      group->curve.first_run = run;
    }
    group->seeds.push_back(std::move(seed));
    group->runs.push_back(run);
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

// Cumulative wall-clock seconds of a run at each train.csv row's step: the sum over rows of the
// interval's steps over its steps_per_s (so a resumed run counts only its processes' time).
// Empty when the run has no readable train.csv.
std::map<std::int64_t, double> training_seconds(const std::string& run) {
  std::map<std::int64_t, double> seconds;
  std::string text;
  try {
    text = read_file((fs::path(run) / "train.csv").string());
  } catch (const Error&) {
    return seconds;
  }
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line)) return seconds;
  std::vector<std::string> header;
  std::istringstream names(line);
  for (std::string name; std::getline(names, name, ',');) header.push_back(name);
  const auto column = [&header](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t step_column = column("step"), rate_column = column("steps_per_s");
  if (step_column >= header.size() || rate_column >= header.size()) return {};
  double total = 0;
  std::int64_t previous = 0;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
    if (fields.size() != header.size()) return {};
    char* end = nullptr;
    const std::int64_t step = std::strtoll(fields[step_column].c_str(), &end, 10);
    const double rate = std::strtod(fields[rate_column].c_str(), nullptr);
    if (!(rate > 0) || step <= previous) return {};
    total += static_cast<double>(step - previous) / rate;
    previous = step;
    seconds[step] = total;
  }
  return seconds;
}

// The mean over seeds of the training hours at each of the curve's steps, each seed's time
// interpolated linearly between its train.csv rows (from 0 s at step 0); empty when a seed's rows
// end before one of the steps.
std::vector<double> mean_training_hours(const Group& group) {
  std::vector<double> hours(group.curve.data.steps.size(), 0.0);
  for (const std::string& run : group.runs) {
    std::map<std::int64_t, double> seconds = training_seconds(run);
    seconds.emplace(0, 0.0);
    for (std::size_t i = 0; i < hours.size(); ++i) {
      const std::int64_t step = group.curve.data.steps[i];
      const auto after = seconds.lower_bound(step);
      if (after == seconds.end()) return {};
      double at = after->second;
      if (after->first != step) {
        const auto before = std::prev(after);
        at = before->second + (after->second - before->second) *
                                  static_cast<double>(step - before->first) /
                                  static_cast<double>(after->first - before->first);
      }
      hours[i] += at / 3600.0 / static_cast<double>(group.runs.size());
    }
  }
  return hours;
}

// The settings in which a group's first run differs from its algorithm's paper preset, as
// "batch_size 256 → 128, mc_samples 100 → 16"; "paper preset" when none does, "—" when the
// preset cannot be read. Bookkeeping keys (the run's identity, checkpoint and log cadence) are
// left out.
std::string settings_against_paper(const Group& group) {
  rl::Config paper, run;
  try {
    paper = rl::Config::from_preset(configs_dir(), group.algorithm, "paper");
    run = rl::read_run_config(group.runs.front());
  } catch (const Error&) {
    return "—";
  }
  std::string differences;
  for (const auto& [key, value] : run.values()) {
    if (key.rfind("run.", 0) == 0 || key == "trainer.checkpoint_every" ||
        key == "trainer.log_every")
      continue;
    const auto found = paper.values().find(key);
    if (found == paper.values().end() || found->second == value) continue;
    differences += (differences.empty() ? "" : ", ") + key.substr(key.find('.') + 1) + " " +
                   rl::value_text(found->second) + " → " + rl::value_text(value);
  }
  return differences.empty() ? "paper preset" : differences;
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

// One task's table: a row per group, a column per step and the average return, and the group's
// settings against the paper preset; the best mean of each column in bold, among the rows with
// the most seeds in that column (a row resting on fewer seeds is not called best).
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
    table << " average return (AUC), steps " << common.front() << "–" << common.back() << " |";
  else
    table << " average return (AUC) |";
  table << " settings against the paper preset |\n";
  table << "|:--|--:|";
  for (std::size_t c = 0; c < columns.size(); ++c) table << "--:|";
  table << ":--|\n";
  // The best mean of each column among its rows with the most seeds, where there are at least
  // two such rows to compare.
  std::vector<double> best(columns.size(), std::numeric_limits<double>::infinity());
  std::vector<int> most_seeds(columns.size(), 0);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    for (const Estimate& estimate : columns[c])
      if (estimate.present) most_seeds[c] = std::max(most_seeds[c], estimate.seeds);
    std::vector<double> means;
    for (const Estimate& estimate : columns[c])
      if (estimate.present && estimate.seeds == most_seeds[c]) means.push_back(estimate.mean);
    if (means.size() >= 2) best[c] = *std::max_element(means.begin(), means.end());
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    table << "| " << table_cell(groups[g].curve.label) << " | " << groups[g].curve.data.seeds
          << " |";
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const Estimate& estimate = columns[c][g];
      const bool is_best =
          estimate.present && estimate.seeds == most_seeds[c] && estimate.mean == best[c];
      table << " " << format_estimate(estimate, is_best) << " |";
    }
    table << " " << table_cell(settings_against_paper(groups[g])) << " |\n";
  }
  return table.str();
}

// A figure of the report: <out without .md>-<kind>.png, beside the Markdown file.
std::string figure_path(const std::string& out, const std::string& kind) {
  const fs::path path(out);
  return (path.parent_path() / (path.stem().string() + "-" + kind + ".png")).string();
}

// A task's return range: every task's reward lies in [0, 1] per step (DeepMind Control's
// convention, and the bandit's), so an episode's return lies in [0, episode steps]. None (0, 0)
// for a task this build does not know.
std::pair<double, double> return_range(const std::string& task) {
  try {
    return {0.0, static_cast<double>(
                     envs::make_env(task, global_options().model_dir)->spec().episode_steps)};
  } catch (const Error&) {
    return {0.0, 0.0};
  }
}

void run_report(const ReportOptions& options) {
  // Check the output, read and group every run, then draw and write into temporary files that are
  // renamed onto the outputs once all succeeded.
  if (fs::path(options.out).extension() != ".md")
    throw Error("--out '" + options.out + "': the file name must end in .md");
  check_output_file(options.out, "--out");
  std::vector<std::int64_t> at = options.at;
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  std::map<std::string, std::vector<Group>> tasks = read_groups(options.folder);

  std::ostringstream markdown;
  const std::string steps_figure = figure_path(options.out, "steps");
  const std::string hours_figure = figure_path(options.out, "hours");
  markdown
      << "# Report: " << options.folder << "\n\n"
      << "Evaluation return (`return_mean` of each run's eval.csv: the mean over its evaluation "
         "episodes) as the mean over seeds ± the half-width of its 95 % confidence interval "
         "(Student's t; no interval for a single seed). The average return (AUC) is the area under "
         "each seed's learning curve (trapezoid rule over the evaluation steps that all "
         "algorithms of the task have) divided by that step range, i.e. the return averaged "
         "over training; it needs two such steps. Where a task has several algorithms, the best "
         "mean of each column among the rows with the most seeds is bold; — marks a step without "
         "an evaluation. The last column lists the settings in which the runs differ from the "
         "algorithm's paper preset (the published defaults). In the figures the bands are "
         "clipped to the task's return range, and the hours are the mean over seeds of the "
         "wall-clock time of training (updates and evaluations) to each evaluation step.\n\n"
      << "![evaluation return against environment steps, one panel per task]("
      << fs::path(steps_figure).filename().string() << ")\n";
  std::ostringstream tables;
  std::vector<Panel> step_panels, hour_panels;
  for (auto& [task, groups] : tasks) {
    label_groups(groups);
    aggregate_groups(task, groups);
    const std::vector<std::int64_t> common = common_steps(groups);
    Panel panel;
    panel.title = task;
    std::tie(panel.return_min, panel.return_max) = return_range(task);
    Panel hours = panel;
    hours.x_axis = XAxis::kHours;
    for (Group& group : groups) {
      group.curve.hours = mean_training_hours(group);
      panel.curves.push_back(group.curve);
      if (!group.curve.hours.empty()) hours.curves.push_back(group.curve);
    }
    step_panels.push_back(panel);
    if (!hours.curves.empty()) hour_panels.push_back(hours);
    tables << "\n## " << task << "\n\n" << task_table(groups, table_steps(common, at), common);
  }
  if (!hour_panels.empty())
    markdown << "\n![evaluation return against wall-clock hours of training, one panel per task]("
             << fs::path(hours_figure).filename().string() << ")\n";
  markdown << tables.str();
  std::vector<std::unique_ptr<AtomicOutput>> outputs;
  outputs.push_back(std::make_unique<AtomicOutput>(steps_figure));
  draw_panels(step_panels, kFigureColumns, ImageFormat::kPng, outputs.back()->temporary_path());
  std::string figures = steps_figure;
  if (!hour_panels.empty()) {
    outputs.push_back(std::make_unique<AtomicOutput>(hours_figure));
    draw_panels(hour_panels, kFigureColumns, ImageFormat::kPng, outputs.back()->temporary_path());
    figures += " and " + hours_figure;
  }
  outputs.push_back(std::make_unique<AtomicOutput>(options.out));
  outputs.back()->write(markdown.str());
  for (const auto& output : outputs) output->commit();
  // Notes on what the figures leave out, once they are written (an error is the one line then).
  for (const auto& [task, groups] : tasks)
    for (const Group& group : groups) {
      print_curve_notes(group.curve);
      if (group.curve.hours.empty())
        std::fprintf(stderr,
                     "rfm: note: '%s' on %s has no train.csv timing up to its last evaluation: "
                     "left out of the hours figure\n",
                     group.curve.label.c_str(), task.c_str());
    }
  std::printf("wrote %s (%zu task%s), %s\n", options.out.c_str(), tasks.size(),
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
                   "Markdown file; the figures go beside it as <name>-steps.png and "
                   "<name>-hours.png")
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
