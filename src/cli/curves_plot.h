// Learning-curve figures drawn by gnuplot, shared by `rfm plot` and `rfm report`: each curve is
// the mean over its seeds of the evaluation return against environment steps, with its 95 %
// interval as a translucent band in the line's colour.
#pragma once

#include <string>
#include <vector>

#include "rfm/rl/learning_curves.h"

namespace rfm::cli {

// One curve of a figure: the seeds of one configuration, aggregated, and its legend label.
struct LabelledCurve {
  std::string label;
  std::string first_run;  // the first seed's run folder, named in notes
  rl::AggregatedCurve data;
  // Wall-clock hours of training at each of data.steps, the mean over seeds; empty when unknown.
  std::vector<double> hours;
};

// What a figure's x axis shows: environment steps, or the wall-clock hours of training.
enum class XAxis { kSteps, kHours };

// One panel of a figure: its curves, title and x axis, and the return range its y axis and bands
// are clipped to (none when return_min >= return_max).
struct Panel {
  std::string title;
  std::vector<LabelledCurve> curves;
  XAxis x_axis = XAxis::kSteps;
  double return_min = 0, return_max = 0;
};

enum class ImageFormat { kPng, kSvg };

// The format an output file name asks for; throws rfm::Error unless it ends in .png or .svg.
ImageFormat image_format_of(const std::string& out);

// Notes on stderr where a curve shows less than the user may expect: seeds of different lengths
// (only their common steps are drawn) or a single seed (no interval).
void print_curve_notes(const LabelledCurve& curve);

// Draws the curves into `image_path` with gnuplot found on PATH. Throws rfm::Error when gnuplot
// is missing, fails (with its messages on one line) or writes no image.
void draw_curves(const std::vector<LabelledCurve>& curves, ImageFormat format,
                 const std::string& image_path, const std::string& title);

// Draws the panels in one image, `columns` to a row (a grid of tasks), as draw_curves does.
void draw_panels(const std::vector<Panel>& panels, int columns, ImageFormat format,
                 const std::string& image_path);

}  // namespace rfm::cli
