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
};

enum class ImageFormat { kPng, kSvg };

// The format an output file name asks for; throws rfm::Error unless it ends in .png or .svg.
ImageFormat image_format_of(const std::string& out);

// Fails early, with a clear message, when an output's folder does not exist; `option` names the
// command-line option that gave the path.
void check_output_folder(const std::string& path, const std::string& option);

// Notes on stderr where a curve shows less than the user may expect: seeds of different lengths
// (only their common steps are drawn) or a single seed (no interval).
void print_curve_notes(const LabelledCurve& curve);

// Draws the curves into `image_path` with gnuplot found on PATH. Throws rfm::Error when gnuplot
// is missing, fails (with its messages on one line) or writes no image.
void draw_curves(const std::vector<LabelledCurve>& curves, ImageFormat format,
                 const std::string& image_path, const std::string& title);

}  // namespace rfm::cli
