#include "cli/curves_plot.h"

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
#include <sstream>

#include "rfm/util/error.h"
#include "rfm/util/files.h"

extern char** environ;

namespace rfm::cli {

namespace {
namespace fs = std::filesystem;

// Width and height of the figure: pixels for PNG, points for SVG.
constexpr int kFigureWidth = 900;
constexpr int kFigureHeight = 560;
constexpr double kBandOpacity = 0.25;

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

// A gnuplot single-quoted string: a quote inside is doubled, and a line break would end the
// command, so it becomes a space.
std::string gnuplot_string(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

// One data file per curve: x (step, or hours), mean, lower, upper, separated by spaces; the band
// clipped to the panel's return range where it has one.
std::string write_curve_data(const LabelledCurve& curve, const Panel& panel, const fs::path& file) {
  std::ofstream out(file);
  const bool clip = panel.return_min < panel.return_max;
  const auto clipped = [&](double value) {
    return clip ? std::clamp(value, panel.return_min, panel.return_max) : value;
  };
  char row[160];
  for (std::size_t i = 0; i < curve.data.steps.size(); ++i) {
    const double x =
        panel.x_axis == XAxis::kHours ? curve.hours[i] : static_cast<double>(curve.data.steps[i]);
    std::snprintf(row, sizeof row, "%.10g %.10g %.10g %.10g\n", x, curve.data.means[i],
                  clipped(curve.data.lowers[i]), clipped(curve.data.uppers[i]));
    out << row;
  }
  if (!out) throw Error("cannot write '" + file.string() + "'");
  return file.string();
}

// The terminal by format and the output file, for an image of `columns` × `rows` panels.
std::string gnuplot_header(ImageFormat format, const std::string& output, int columns, int rows) {
  std::ostringstream script;
  const std::string size =
      std::to_string(kFigureWidth * columns) + "," + std::to_string(kFigureHeight * rows);
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
  return script.str();
}

// One panel's settings and plot command: steps shown in thousands or millions when large (or
// hours), then per curve its interval as a translucent band under its mean line in the same
// colour.
std::string gnuplot_panel(const Panel& panel, const std::vector<std::string>& data_files) {
  std::ostringstream script;
  const std::vector<LabelledCurve>& curves = panel.curves;
  std::int64_t last_step = 0;
  for (const LabelledCurve& curve : curves)
    last_step = std::max(last_step, curve.data.steps.back());
  std::int64_t step_unit = 1;
  std::string x_label = "environment steps";
  if (panel.x_axis == XAxis::kHours) {
    x_label = "wall-clock hours of training";
  } else if (last_step >= 1000000) {
    step_unit = 1000000;
    x_label += " (millions)";
  } else if (last_step >= 10000) {
    step_unit = 1000;
    x_label += " (thousands)";
  }
  script << "set title " << gnuplot_string(panel.title) << "\n"
         << "set xlabel " << gnuplot_string(x_label) << "\n"
         << "set ylabel 'return (mean over seeds, 95% interval)'\n"
         << "set format x '%g'\n"
         << "set grid\n"
         << "set key top left\n"
         << "set style fill transparent solid " << kBandOpacity << " noborder\n";
  if (panel.return_min < panel.return_max)
    script << "set yrange [" << panel.return_min << ":" << panel.return_max << "]\n";
  else
    script << "set autoscale y\n";

  std::vector<std::string> plots;
  for (std::size_t i = 0; i < curves.size(); ++i) {
    const LabelledCurve& curve = curves[i];
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
  script << "\n";
  return script.str();
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
    const std::string warnings = read_file(messages.string());
    if (!warnings.empty()) std::fputs(warnings.c_str(), stderr);
    return;
  }
  const std::string cause = WIFSIGNALED(status)
                                ? "killed by signal " + std::to_string(WTERMSIG(status))
                                : "exit status " + std::to_string(WEXITSTATUS(status));
  throw Error("gnuplot failed (" + cause + "): " + one_line(read_file(messages.string())));
}
}  // namespace

ImageFormat image_format_of(const std::string& out) {
  std::string extension = fs::path(out).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (extension == ".png") return ImageFormat::kPng;
  if (extension == ".svg") return ImageFormat::kSvg;
  throw Error("--out '" + out + "': the file name must end in .png or .svg");
}

void print_curve_notes(const LabelledCurve& curve) {
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

void draw_curves(const std::vector<LabelledCurve>& curves, ImageFormat format,
                 const std::string& image_path, const std::string& title) {
  Panel panel;
  panel.title = title;
  panel.curves = curves;
  draw_panels({panel}, 1, format, image_path);
}

void draw_panels(const std::vector<Panel>& panels, int columns, ImageFormat format,
                 const std::string& image_path) {
  // One data file per curve and the script in a temporary folder, then gnuplot.
  const TemporaryDirectory temporary;
  const int count = static_cast<int>(panels.size());
  columns = std::clamp(columns, 1, std::max(count, 1));
  const int rows = (count + columns - 1) / columns;
  std::ostringstream script;
  script << gnuplot_header(format, image_path, columns, rows);
  if (count > 1) script << "set multiplot layout " << rows << "," << columns << "\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    std::vector<std::string> data_files;
    for (std::size_t i = 0; i < panels[p].curves.size(); ++i)
      data_files.push_back(write_curve_data(
          panels[p].curves[i], panels[p],
          temporary.path() /
              ("panel" + std::to_string(p + 1) + "-curve" + std::to_string(i + 1) + ".dat")));
    script << gnuplot_panel(panels[p], data_files);
  }
  if (count > 1) script << "unset multiplot\n";
  script << "set output\n";  // closes and flushes the image before gnuplot exits
  const fs::path script_file = temporary.path() / "plot.gp";
  std::ofstream(script_file) << script.str();
  run_gnuplot(script_file, temporary.path() / "gnuplot.log");
  std::error_code error;
  if (fs::file_size(image_path, error) == 0 || error)
    throw Error("gnuplot wrote no image to '" + image_path + "'");
}

}  // namespace rfm::cli
