// tolerance() against hand-computed values, including bound and margin edge cases.
#include "rfm/envs/tolerance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rfm/util/error.h"

namespace rfm::envs {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Tolerance, InsideBoundsIsOneAndBoundsAreInclusive) {
  EXPECT_EQ(tolerance(0.5, 0.0, 1.0, 0.3), 1.0);
  EXPECT_EQ(tolerance(0.0, 0.0, 1.0, 0.3), 1.0);
  EXPECT_EQ(tolerance(1.0, 0.0, 1.0, 0.3), 1.0);
  EXPECT_EQ(tolerance(5.0, 2.0, kInf, 1.0), 1.0);
  EXPECT_EQ(tolerance(0.0, 0.0, 0.0, 1.0), 1.0);  // coincident bounds
}

TEST(Tolerance, ZeroMarginIsAnIndicator) {
  EXPECT_EQ(tolerance(1.0 + 1e-12, 0.0, 1.0), 0.0);
  EXPECT_EQ(tolerance(-1e-12, 0.0, 1.0), 0.0);
  EXPECT_EQ(tolerance(0.06, 0.0, 0.06), 1.0);
}

TEST(Tolerance, EverySigmoidIsOneAtZeroAndValueAtMarginAtOne) {
  for (const char* name : {"gaussian", "hyperbolic", "long_tail", "reciprocal", "cosine", "linear",
                           "quadratic", "tanh_squared"}) {
    const Sigmoid s = sigmoid_from_name(name);
    EXPECT_NEAR(sigmoid_value(0.0, 0.3, s), 1.0, 1e-12) << name;
    EXPECT_NEAR(sigmoid_value(1.0, 0.3, s), 0.3, 1e-12) << name;
    // Through tolerance: one margin below the lower bound.
    EXPECT_NEAR(tolerance(-2.0, 0.0, 1.0, 2.0, s, 0.3), 0.3, 1e-12) << name;
  }
}

TEST(Tolerance, HandComputedValuesAtHalfAndTwoMargins) {
  // d = 0.5 and d = 2 with v = 0.1, computed by hand from each formula.
  const double v = 0.1;
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kGaussian, v), std::pow(0.1, 0.25), 1e-12);
  EXPECT_NEAR(tolerance(3.0, 0, 1, 1, Sigmoid::kGaussian, v), std::pow(0.1, 4.0), 1e-12);
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kHyperbolic, v), 1 / std::cosh(0.5 * std::acosh(10)),
              1e-12);
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kLongTail, v), 1 / (0.25 * 9 + 1), 1e-12);
  EXPECT_NEAR(tolerance(3.0, 0, 1, 1, Sigmoid::kLongTail, v), 1 / (4 * 9.0 + 1), 1e-12);
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kReciprocal, v), 1 / (0.5 * 9 + 1), 1e-12);
  // cosine: k = arccos(-0.8)/pi; d*k < 1 at d = 0.5, > 1 at d = 2 (k ~ 0.795).
  const double k_cos = std::acos(-0.8) / M_PI;
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kCosine, v), (1 + std::cos(M_PI * 0.5 * k_cos)) / 2,
              1e-12);
  EXPECT_EQ(tolerance(3.0, 0, 1, 1, Sigmoid::kCosine, v), 0.0);
  // linear: k = 0.9; 1 - 0.45 at d = 0.5; zero once d*k >= 1.
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kLinear, v), 0.55, 1e-12);
  EXPECT_EQ(tolerance(3.0, 0, 1, 1, Sigmoid::kLinear, v), 0.0);
  // quadratic: k = sqrt(0.9); 1 - 0.25*0.9 at d = 0.5.
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kQuadratic, v), 1 - 0.225, 1e-12);
  EXPECT_EQ(tolerance(3.0, 0, 1, 1, Sigmoid::kQuadratic, v), 0.0);
  const double k_tanh = std::atanh(std::sqrt(0.9));
  EXPECT_NEAR(tolerance(1.5, 0, 1, 1, Sigmoid::kTanhSquared, v),
              1 - std::pow(std::tanh(0.5 * k_tanh), 2), 1e-12);
}

TEST(Tolerance, SuiteSpecialCases) {
  // small control: 1 - u^2 inside (-1, 1), 0 outside.
  EXPECT_NEAR(small_control_term(0.5), 0.75, 1e-12);
  EXPECT_EQ(small_control_term(1.0), 0.0);
  EXPECT_EQ(small_control_term(-1.5), 0.0);
  // cheetah's run term: linear, bounds (10, inf), margin 10, v = 0 -> vx / 10.
  EXPECT_NEAR(tolerance(4.0, 10, kInf, 10, Sigmoid::kLinear, 0.0), 0.4, 1e-12);
  EXPECT_EQ(tolerance(-1.0, 10, kInf, 10, Sigmoid::kLinear, 0.0), 0.0);
  // walker's move term: linear, v = 0.5, margin S/2 -> vx / S.
  EXPECT_NEAR(tolerance(0.3, 1, kInf, 0.5, Sigmoid::kLinear, 0.5), 0.3, 1e-12);
  // The distance is measured from the nearest bound on either side.
  EXPECT_NEAR(tolerance(-1.0, 0, 1, 1, Sigmoid::kGaussian), 0.1, 1e-12);
  EXPECT_NEAR(tolerance(2.0, 0, 1, 1, Sigmoid::kGaussian), 0.1, 1e-12);
}

TEST(Tolerance, RejectsInvalidArguments) {
  EXPECT_THROW(tolerance(0.0, 1.0, 0.0), Error);
  EXPECT_THROW(tolerance(0.0, 0.0, 1.0, -1.0), Error);
  EXPECT_THROW(tolerance(2.0, 0.0, 1.0, 1.0, Sigmoid::kGaussian, 0.0), Error);
  EXPECT_THROW(tolerance(2.0, 0.0, 1.0, 1.0, Sigmoid::kGaussian, 1.0), Error);
  EXPECT_NO_THROW(tolerance(2.0, 0.0, 1.0, 1.0, Sigmoid::kLinear, 0.0));
  EXPECT_THROW(sigmoid_from_name("sigmoidal"), Error);
}

}  // namespace
}  // namespace rfm::envs
