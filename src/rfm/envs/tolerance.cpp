#include "rfm/envs/tolerance.h"

#include <cmath>

#include "rfm/util/error.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;

void require_open_unit(double v, const char* name) {
  if (!(v > 0.0 && v < 1.0))
    throw Error(std::string("tolerance: value_at_margin must be in (0, 1) for the ") + name +
                " sigmoid");
}
void require_half_open_unit(double v, const char* name) {
  if (!(v >= 0.0 && v < 1.0))
    throw Error(std::string("tolerance: value_at_margin must be in [0, 1) for the ") + name +
                " sigmoid");
}
}  // namespace

Sigmoid sigmoid_from_name(const std::string& name) {
  if (name == "gaussian") return Sigmoid::kGaussian;
  if (name == "hyperbolic") return Sigmoid::kHyperbolic;
  if (name == "long_tail") return Sigmoid::kLongTail;
  if (name == "reciprocal") return Sigmoid::kReciprocal;
  if (name == "cosine") return Sigmoid::kCosine;
  if (name == "linear") return Sigmoid::kLinear;
  if (name == "quadratic") return Sigmoid::kQuadratic;
  if (name == "tanh_squared") return Sigmoid::kTanhSquared;
  throw Error("unknown sigmoid '" + name +
              "' (expected gaussian, hyperbolic, long_tail, reciprocal, cosine, linear, "
              "quadratic or tanh_squared)");
}

double sigmoid_value(double d, double v, Sigmoid sigmoid) {
  switch (sigmoid) {
    case Sigmoid::kGaussian: {
      require_open_unit(v, "gaussian");
      const double k = std::sqrt(-2.0 * std::log(v));
      return std::exp(-0.5 * (d * k) * (d * k));
    }
    case Sigmoid::kHyperbolic: {
      require_open_unit(v, "hyperbolic");
      const double k = std::acosh(1.0 / v);
      return 1.0 / std::cosh(d * k);
    }
    case Sigmoid::kLongTail: {
      require_open_unit(v, "long_tail");
      const double k = std::sqrt(1.0 / v - 1.0);
      return 1.0 / ((d * k) * (d * k) + 1.0);
    }
    case Sigmoid::kReciprocal: {
      require_open_unit(v, "reciprocal");
      const double k = 1.0 / v - 1.0;
      return 1.0 / (std::abs(d) * k + 1.0);
    }
    case Sigmoid::kCosine: {
      require_half_open_unit(v, "cosine");
      const double k = std::acos(2.0 * v - 1.0) / kPi;
      const double scaled = d * k;
      return std::abs(scaled) < 1.0 ? (1.0 + std::cos(kPi * scaled)) / 2.0 : 0.0;
    }
    case Sigmoid::kLinear: {
      require_half_open_unit(v, "linear");
      const double scaled = d * (1.0 - v);
      return std::abs(scaled) < 1.0 ? 1.0 - scaled : 0.0;
    }
    case Sigmoid::kQuadratic: {
      require_half_open_unit(v, "quadratic");
      const double scaled = d * std::sqrt(1.0 - v);
      return std::abs(scaled) < 1.0 ? 1.0 - scaled * scaled : 0.0;
    }
    case Sigmoid::kTanhSquared: {
      require_open_unit(v, "tanh_squared");
      const double k = std::atanh(std::sqrt(1.0 - v));
      const double t = std::tanh(d * k);
      return 1.0 - t * t;
    }
  }
  throw Error("tolerance: unknown sigmoid");
}

double tolerance(double x, double lower, double upper, double margin, Sigmoid sigmoid,
                 double value_at_margin) {
  if (lower > upper) throw Error("tolerance: lower bound must not exceed the upper bound");
  if (margin < 0.0) throw Error("tolerance: margin must be non-negative");
  const bool in_bounds = lower <= x && x <= upper;
  if (margin == 0.0) return in_bounds ? 1.0 : 0.0;
  // With a margin the sigmoid's parameters are checked even inside the bounds, as upstream does.
  const double distance = in_bounds ? 0.0 : (x < lower ? lower - x : x - upper) / margin;
  const double value = sigmoid_value(distance, value_at_margin, sigmoid);
  return in_bounds ? 1.0 : value;
}

}  // namespace rfm::envs
