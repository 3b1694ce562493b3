// Exact 2-Wasserstein distance between equal-size point sets by optimal assignment (the Hungarian
// algorithm with potentials, O(n³)), as in iDEM's metric: W2 = sqrt(min_σ (1/n) Σ_i ‖a_i −
// b_σ(i)‖²).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace rfm::energies {

// Minimum-cost perfect matching of a square cost matrix (row-major, n × n): the column assigned to
// each row.
std::vector<int64_t> optimal_assignment(const std::vector<double>& cost, int64_t n);

// W2 between point sets a, b [n, d] (the same n); throws rfm::Error on shape mismatch.
double wasserstein2(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace rfm::energies
