// rfm plot: learning curves. Each folder argument is one curve: the mean over its seeds (the run
// folders found under it) of the evaluation return against environment steps, with a 95 %
// interval for the mean, drawn by gnuplot into a PNG or SVG file.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/curves_plot.h"
#include "rfm/rl/learning_curves.h"
#include "rfm/util/error.h"
#include "rfm/util/files.h"

namespace rfm::cli {

namespace {
namespace fs = std::filesystem;

struct PlotOptions {
  std::vector<std::string> folders;
  std::string out;
  std::string title = "evaluation return";
  std::string csv;
};

// Reads and aggregates the seeds of one folder argument.
LabelledCurve read_curve(const std::string& folder) {
  LabelledCurve curve;
  curve.label = rl::curve_label(folder);
  const std::vector<std::string> runs = rl::find_run_folders(folder);
  if (runs.empty()) throw Error("no eval.csv under '" + folder + "'");
  curve.first_run = runs.front();
  std::vector<rl::EvalCurve> seeds;
  for (const std::string& run : runs)
    seeds.push_back(rl::read_eval_csv((fs::path(run) / "eval.csv").string()));
  try {
    curve.data = rl::aggregate_seeds(seeds);
  } catch (const Error& error) {
    throw Error("curve '" + curve.label + "': " + error.what());
  }
  return curve;
}

// Two folders with the same base name (runs1/rfm, runs2/rfm) would share a legend entry: those
// are labelled by their whole path instead. `folders[i]` is the argument of `curves[i]`.
void make_labels_unique(std::vector<LabelledCurve>& curves,
                        const std::vector<std::string>& folders) {
  std::map<std::string, int> uses;
  for (const LabelledCurve& curve : curves) ++uses[curve.label];
  for (std::size_t i = 0; i < curves.size(); ++i) {
    if (uses[curves[i].label] < 2) continue;
    std::string path = fs::path(folders[i]).lexically_normal().string();
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    curves[i].label = path;
  }
}

// The aggregated table: one row per curve and step. A single seed has no interval: its lower
// and upper fields are empty.
void write_table(const std::vector<LabelledCurve>& curves, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw Error("cannot write '" + path + "'");
  out << "step,curve,mean,lower,upper,seeds\n";
  char number[32];
  const auto format = [&number](double value) {
    std::snprintf(number, sizeof number, "%.10g", value);
    return std::string(number);
  };
  for (const LabelledCurve& curve : curves) {
    // A label with a comma or quote is quoted as CSV asks.
    std::string label = curve.label;
    if (label.find_first_of(",\"") != std::string::npos) {
      std::string quoted = "\"";
      for (const char c : label) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      label = quoted + "\"";
    }
    const auto& data = curve.data;
    for (std::size_t i = 0; i < data.steps.size(); ++i) {
      out << data.steps[i] << ',' << label << ',' << format(data.means[i]) << ',';
      if (data.has_interval())
        out << format(data.lowers[i]) << ',' << format(data.uppers[i]);
      else
        out << ',';
      out << ',' << data.seeds << '\n';
    }
  }
  out.close();
  if (!out) throw Error("failed writing '" + path + "'");
}

void run_plot(const PlotOptions& options) {
  // Check the outputs before reading anything, then read every curve before drawing.
  const ImageFormat format = image_format_of(options.out);
  check_output_file(options.out, "--out");
  if (!options.csv.empty()) check_output_file(options.csv, "--csv");
  std::vector<LabelledCurve> curves;
  for (const std::string& folder : options.folders) curves.push_back(read_curve(folder));
  make_labels_unique(curves, options.folders);
  for (const LabelledCurve& curve : curves) print_curve_notes(curve);

  // Draw and write into temporary files, renamed onto the outputs once all succeeded.
  AtomicOutput image(options.out);
  draw_curves(curves, format, image.temporary_path(), options.title);
  std::optional<AtomicOutput> table;
  if (!options.csv.empty()) {
    table.emplace(options.csv);
    write_table(curves, table->temporary_path());
  }
  image.commit();
  if (table) table->commit();

  std::printf("wrote %s:", options.out.c_str());
  for (std::size_t i = 0; i < curves.size(); ++i)
    std::printf("%s %s (%d seed%s, %zu steps)", i ? "," : "", curves[i].label.c_str(),
                curves[i].data.seeds, curves[i].data.seeds == 1 ? "" : "s",
                curves[i].data.steps.size());
  std::printf("\n");
  if (table) std::printf("wrote %s\n", options.csv.c_str());
}
}  // namespace

void add_plot_command(CLI::App& app) {
  auto options = std::make_shared<PlotOptions>();
  CLI::App* command = app.add_subcommand(
      "plot",
      "learning curves: evaluation return against environment steps, mean and 95% interval over "
      "the seeds under each folder (gnuplot)");
  command
      ->add_option("folders", options->folders,
                   "one curve per folder, labelled by its name; its seeds are the run folders "
                   "(holding eval.csv) under it, or the folder itself")
      ->required();
  command->add_option("--out", options->out, "image file: .png or .svg")->required();
  command->add_option("--title", options->title, "title of the figure")->capture_default_str();
  command->add_option("--csv", options->csv,
                      "also write the aggregated table (step,curve,mean,lower,upper,seeds)");
  command->callback([options] { run_plot(*options); });
}

}  // namespace rfm::cli
