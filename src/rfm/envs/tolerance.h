// DeepMind Control's reward shaping function: 1 inside [lower, upper], falling off outside with
// one of eight sigmoids so that it equals value_at_margin at a distance of one margin.
#pragma once

#include <string>

namespace rfm::envs {

enum class Sigmoid {
  kGaussian,
  kHyperbolic,
  kLongTail,
  kReciprocal,
  kCosine,
  kLinear,
  kQuadratic,
  kTanhSquared
};

// Parses a sigmoid name ("gaussian", "long_tail", ...). Throws rfm::Error on an unknown name.
Sigmoid sigmoid_from_name(const std::string& name);

// s(d; v) for a distance d >= 0 in units of the margin: s(0) = 1, s(1) = value_at_margin.
double sigmoid_value(double distance, double value_at_margin, Sigmoid sigmoid);

// tolerance(x, bounds=(lower, upper), margin, sigmoid, value_at_margin). Throws rfm::Error when
// lower > upper, margin < 0, or value_at_margin is outside the sigmoid's allowed range.
double tolerance(double x, double lower, double upper, double margin = 0.0,
                 Sigmoid sigmoid = Sigmoid::kGaussian, double value_at_margin = 0.1);

// The "small control" term: tolerance(u, (0, 0), margin 1, quadratic, 0) = 1 - u^2 for |u| < 1.
inline double small_control_term(double u) {
  return tolerance(u, 0.0, 0.0, 1.0, Sigmoid::kQuadratic, 0.0);
}

}  // namespace rfm::envs
