#include "rfm/energies/wasserstein.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rfm/util/error.h"

namespace rfm::energies {

std::vector<int64_t> optimal_assignment(const std::vector<double>& cost, int64_t n) {
  if (static_cast<int64_t>(cost.size()) != n * n) throw Error("assignment cost must be n × n");
  const double infinity = std::numeric_limits<double>::infinity();
  // Potentials u (rows), v (columns) keep reduced costs c(i, j) − u_i − v_j ≥ 0; rows are added one
  // at a time and matched along a shortest augmenting path (Dijkstra on reduced costs). Index 0 is
  // a virtual column; rows and columns are 1-based inside.
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0), min_reduced(n + 1);
  std::vector<int64_t> row_of_column(n + 1, 0), previous_column(n + 1, 0);
  std::vector<char> visited(n + 1);
  for (int64_t row = 1; row <= n; ++row) {
    row_of_column[0] = row;
    int64_t column = 0;
    std::fill(min_reduced.begin(), min_reduced.end(), infinity);
    std::fill(visited.begin(), visited.end(), 0);
    do {
      // Grow the tree from the newest column's row; pick the closest unvisited column.
      visited[column] = 1;
      const int64_t current_row = row_of_column[column];
      const double* cost_row = cost.data() + (current_row - 1) * n;
      double delta = infinity;
      int64_t next_column = 0;
      for (int64_t j = 1; j <= n; ++j) {
        if (visited[j]) continue;
        const double reduced = cost_row[j - 1] - u[current_row] - v[j];
        if (reduced < min_reduced[j]) {
          min_reduced[j] = reduced;
          previous_column[j] = column;
        }
        if (min_reduced[j] < delta) {
          delta = min_reduced[j];
          next_column = j;
        }
      }
      // Shift the potentials by delta so that the tree's edges stay tight.
      for (int64_t j = 0; j <= n; ++j) {
        if (visited[j]) {
          u[row_of_column[j]] += delta;
          v[j] -= delta;
        } else {
          min_reduced[j] -= delta;
        }
      }
      column = next_column;
    } while (row_of_column[column] != 0);
    // Augment: flip the matching along the path back to the virtual column.
    do {
      const int64_t previous = previous_column[column];
      row_of_column[column] = row_of_column[previous];
      column = previous;
    } while (column != 0);
  }
  std::vector<int64_t> column_of_row(n);
  for (int64_t j = 1; j <= n; ++j) column_of_row[row_of_column[j] - 1] = j - 1;
  return column_of_row;
}

double wasserstein2(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(0) != b.size(0) || a.size(1) != b.size(1))
    throw Error("W2 needs two point sets of the same shape [n, d]");
  const int64_t n = a.size(0);
  if (n == 0) return 0.0;
  const torch::Tensor a64 = a.to(torch::kFloat64), b64 = b.to(torch::kFloat64);
  // Squared Euclidean costs, computed directly (no ‖a‖² + ‖b‖² − 2ab cancellation).
  const torch::Tensor squared = (a64.unsqueeze(1) - b64.unsqueeze(0)).pow(2).sum(-1).contiguous();
  std::vector<double> cost(squared.data_ptr<double>(), squared.data_ptr<double>() + n * n);
  const std::vector<int64_t> assignment = optimal_assignment(cost, n);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += cost[i * n + assignment[i]];
  return std::sqrt(total / static_cast<double>(n));
}

}  // namespace rfm::energies
