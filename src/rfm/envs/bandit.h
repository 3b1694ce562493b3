// The bandit-bimodal reward, exposed so that tests can compute the exact Boltzmann policy.
#pragma once

namespace rfm::envs {

constexpr double kBanditModeCenter = 0.5;        // modes at (0.5, 0.5) and (-0.5, -0.5)
constexpr double kBanditModeWidth = 0.25;        // standard deviation of each bump
constexpr double kBanditSecondModeHeight = 0.8;  // the (-0.5, -0.5) mode's height

// r(a) for a in [-1, 1]^2 (see bandit.cpp for the formula).
double bandit_bimodal_reward(double a0, double a1);

}  // namespace rfm::envs
