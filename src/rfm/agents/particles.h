// Choosing one of P candidate actions per state by the critic (docs/algorithms.md §3, §4): with
// probability softmax(Q/λ) for data collection and training proposals, or the arg-max for
// evaluation (RFM's particles, QNE's best-of-N evaluation).
#pragma once

#include <torch/types.h>

namespace rfm::agents {

// Each state's row repeated `samples` times, adjacent: [N, s] → [N·samples, s].
torch::Tensor repeat_rows(const torch::Tensor& states, int64_t samples);

enum class ParticleChoice { boltzmann, arg_max };

// candidates [N·P, d] (the P rows of one state adjacent), q [N, P] → the chosen rows [N, d].
torch::Tensor choose_among_particles(const torch::Tensor& candidates, const torch::Tensor& q,
                                     ParticleChoice choice, double temperature,
                                     at::Generator& generator);

}  // namespace rfm::agents
