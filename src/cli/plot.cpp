// rfm plot: learning curves. Each folder argument is one curve: the mean over its seeds (the run
// folders found under it) of the evaluation return against environment steps, with a 95 %
// interval for the mean, drawn by gnuplot into a PNG or SVG file.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "rfm/rl/learning_curves.h"
#include "rfm/util/error.h"

extern char** environ;

namespace rfm::cli {

namespace {
namespace fs = std::filesystem;

struct PlotOptions {
  std::vector<std::string> folders;
  std::string out;
  std::string title = "evaluation return";
  std::string csv;
};

struct Curve {
  std::string folder;  // as given on the command line
  std::string label;
  std::string first_run;  // for the note on a single seed
  rl::AggregatedCurve data;
};

// Width and height of the figure: pixels for PNG, points for SVG.
constexpr int kFigureWidth = 900;
constexpr int kFigureHeight = 560;
constexpr double kBandOpacity = 0.25;

enum class ImageFormat { kPng, kSvg };

ImageFormat image_format_of(const std::string& out) {
  std::string extension = fs::path(out).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (extension == ".png") return ImageFormat::kPng;
  if (extension == ".svg") return ImageFormat::kSvg;
  throw Error("--out '" + out + "': the file name must end in .png or .svg");
}

// A fresh directory under $TMPDIR (else /tmp), removed with its contents when this goes away.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/rfm-plot-XXXXXX";
    if (!mkdtemp(pattern.data()))
      throw Error("cannot create a temporary directory '" + pattern + "': " + std::strerror(errno));
    path_ = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// An output written to `final_path + ".tmp"` and renamed onto `final_path` by commit(); if the
// command fails first, the temporary file is removed, so no partial output is ever left.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string final_path)
      : final_path_(std::move(final_path)), temporary_path_(final_path_ + ".tmp") {}
  ~AtomicOutput() {
    if (!committed_) std::remove(temporary_path_.c_str());
  }
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  const std::string& temporary_path() const { return temporary_path_; }
  void commit() {
    if (std::rename(temporary_path_.c_str(), final_path_.c_str()) != 0)
      throw Error("cannot rename '" + temporary_path_ + "' to '" + final_path_ +
                  "': " + std::strerror(errno));
    committed_ = true;
  }

 private:
  std::string final_path_, temporary_path_;
  bool committed_ = false;
};

// Fails early, with a clear message, when an output's folder does not exist.
void check_output_folder(const std::string& path, const std::string& option) {
  const fs::path folder = fs::path(path).parent_path();
  std::error_code error;
  if (!folder.empty() && !fs::is_directory(folder, error))
    throw Error(option + " '" + path + "': folder '" + folder.string() + "' does not exist");
}

// Reads and aggregates the seeds of one folder argument.
Curve read_curve(const std::string& folder) {
  Curve curve;
  curve.folder = folder;
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
// are labelled by their whole path instead.
void make_labels_unique(std::vector<Curve>& curves) {
  std::map<std::string, int> uses;
  for (const Curve& curve : curves) ++uses[curve.label];
  for (Curve& curve : curves) {
    if (uses[curve.label] < 2) continue;
    std::string path = fs::path(curve.folder).lexically_normal().string();
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    curve.label = path;
  }
}

// Notes on stderr where the figure shows less than the user may expect.
void print_notes(const std::vector<Curve>& curves) {
  for (const Curve& curve : curves) {
    if (curve.data.seeds_differ)
      std::fprintf(stderr,
                   "rfm: note: the %d seeds of '%s' have different evaluation steps (%zu to %zu "
                   "rows); plotting the %zu steps they all have\n",
                   curve.data.seeds, curve.label.c_str(), curve.data.fewest_rows,
                   curve.data.most_rows, curve.data.steps.size());
    if (!curve.data.has_interval())
      std::fprintf(stderr, "rfm: note: '%s' has one seed (%s): no interval drawn\n",
                   curve.label.c_str(), curve.first_run.c_str());
  }
}

// A gnuplot single-quoted string: a quote inside is doubled, and a line break would end the
// command, so it becomes a space.
std::string gnuplot_string(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

// One data file per curve: step, mean, lower, upper, separated by spaces.
std::string write_curve_data(const Curve& curve, const fs::path& file) {
  std::ofstream out(file);
  char row[128];
  for (std::size_t i = 0; i < curve.data.steps.size(); ++i) {
    std::snprintf(row, sizeof row, "%lld %.10g %.10g %.10g\n",
                  static_cast<long long>(curve.data.steps[i]), curve.data.means[i],
                  curve.data.lowers[i], curve.data.uppers[i]);
    out << row;
  }
  if (!out) throw Error("cannot write '" + file.string() + "'");
  return file.string();
}

// The gnuplot script: terminal by format, steps shown in thousands or millions when large, then
// per curve its interval as a translucent band under its mean line in the same colour.
std::string gnuplot_script(const std::vector<Curve>& curves,
                           const std::vector<std::string>& data_files, ImageFormat format,
                           const std::string& output, const std::string& title) {
  std::ostringstream script;
  const std::string size = std::to_string(kFigureWidth) + "," + std::to_string(kFigureHeight);
  if (format == ImageFormat::kSvg) {
    script << "set terminal svg size " << size << " dynamic background rgb 'white'\n";
  } else {
    // pngcairo draws smoother lines; the libgd png terminal is the fallback where it is absent.
    script << "if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {\n"
           << "  set terminal pngcairo size " << size << " background rgb 'white'\n"
           << "} else {\n"
           << "  set terminal png truecolor size " << size << "\n"
           << "}\n";
  }
  // Labels are folder names: an underscore must not turn into a subscript.
  script << "set termoption noenhanced\n"
         << "set output " << gnuplot_string(output) << "\n";

  std::int64_t last_step = 0;
  for (const Curve& curve : curves) last_step = std::max(last_step, curve.data.steps.back());
  std::int64_t step_unit = 1;
  std::string step_axis = "environment steps";
  if (last_step >= 1000000) {
    step_unit = 1000000;
    step_axis += " (millions)";
  } else if (last_step >= 10000) {
    step_unit = 1000;
    step_axis += " (thousands)";
  }
  script << "set title " << gnuplot_string(title) << "\n"
         << "set xlabel " << gnuplot_string(step_axis) << "\n"
         << "set ylabel 'return (mean over seeds, 95% interval)'\n"
         << "set format x '%g'\n"
         << "set grid\n"
         << "set key top left\n"
         << "set style fill transparent solid " << kBandOpacity << " noborder\n";

  std::vector<std::string> plots;
  for (std::size_t i = 0; i < curves.size(); ++i) {
    const Curve& curve = curves[i];
    const std::string file = gnuplot_string(data_files[i]);
    const std::string x = "($1/" + std::to_string(step_unit) + ".0)";
    const std::string colour = " linetype " + std::to_string(i + 1);
    if (curve.data.has_interval())
      plots.push_back(file + " using " + x + ":3:4 with filledcurves" + colour + " notitle");
    // A single common step has no line to draw: show it as a point.
    const std::string style =
        curve.data.steps.size() >= 2 ? " with lines linewidth 2" : " with points pointtype 7";
    const std::string seeds =
        std::to_string(curve.data.seeds) + (curve.data.seeds == 1 ? " seed" : " seeds");
    plots.push_back(file + " using " + x + ":2" + style + colour + " title " +
                    gnuplot_string(curve.label + " (" + seeds + ")"));
  }
  script << "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) script << (i ? ", \\\n     " : "") << plots[i];
  script << "\nset output\n";  // closes and flushes the image before gnuplot exits
  return script.str();
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// gnuplot's messages on one line: its caret markers under the failing command are dropped.
std::string one_line(const std::string& text) {
  std::string joined;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line.find_first_not_of("^ \t\r") == std::string::npos)
      continue;
    const auto last = line.find_last_not_of(" \t\r");
    joined += (joined.empty() ? "" : " | ") + line.substr(first, last - first + 1);
  }
  return joined.empty() ? "(no message)" : joined;
}

// Runs `gnuplot script` found on PATH, its stdin empty and its stdout and stderr captured;
// throws with gnuplot's messages when it cannot start or fails.
void run_gnuplot(const fs::path& script, const fs::path& messages) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, messages.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string program = "gnuplot", script_path = script.string();
  char* arguments[] = {program.data(), script_path.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, "gnuplot", &actions, nullptr, arguments, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error == ENOENT)
    throw Error("gnuplot not found on PATH; install it (Debian: apt install gnuplot-nox)");
  if (spawn_error != 0)
    throw Error(std::string("cannot run gnuplot: ") + std::strerror(spawn_error));

  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Error(std::string("waiting for gnuplot: ") + std::strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    // Warnings of a successful run (e.g. a skipped data point) are passed on as they are.
    const std::string warnings = read_text(messages);
    if (!warnings.empty()) std::fputs(warnings.c_str(), stderr);
    return;
  }
  const std::string cause = WIFSIGNALED(status)
                                ? "killed by signal " + std::to_string(WTERMSIG(status))
                                : "exit status " + std::to_string(WEXITSTATUS(status));
  throw Error("gnuplot failed (" + cause + "): " + one_line(read_text(messages)));
}

// The aggregated table: one row per curve and step. A single seed has no interval: its lower
// and upper fields are empty.
void write_table(const std::vector<Curve>& curves, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw Error("cannot write '" + path + "'");
  out << "step,curve,mean,lower,upper,seeds\n";
  char number[32];
  const auto format = [&number](double value) {
    std::snprintf(number, sizeof number, "%.10g", value);
    return std::string(number);
  };
  for (const Curve& curve : curves) {
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
  check_output_folder(options.out, "--out");
  if (!options.csv.empty()) check_output_folder(options.csv, "--csv");
  std::vector<Curve> curves;
  for (const std::string& folder : options.folders) curves.push_back(read_curve(folder));
  make_labels_unique(curves);
  print_notes(curves);

  const TemporaryDirectory temporary;
  std::vector<std::string> data_files;
  for (std::size_t i = 0; i < curves.size(); ++i)
    data_files.push_back(
        write_curve_data(curves[i], temporary.path() / ("curve" + std::to_string(i + 1) + ".dat")));

  AtomicOutput image(options.out);
  const fs::path script = temporary.path() / "plot.gp";
  std::ofstream(script) << gnuplot_script(curves, data_files, format, image.temporary_path(),
                                          options.title);
  run_gnuplot(script, temporary.path() / "gnuplot.log");
  std::error_code error;
  if (fs::file_size(image.temporary_path(), error) == 0 || error)
    throw Error("gnuplot wrote no image to '" + image.temporary_path() + "'");

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
