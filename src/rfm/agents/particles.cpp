#include "rfm/agents/particles.h"

namespace rfm::agents {

torch::Tensor repeat_rows(const torch::Tensor& states, int64_t samples) {
  return samples == 1 ? states : states.repeat_interleave(samples, 0);
}

torch::Tensor choose_among_particles(const torch::Tensor& candidates, const torch::Tensor& q,
                                     ParticleChoice choice, double temperature,
                                     at::Generator& generator) {
  const int64_t batch = q.size(0), particles = q.size(1);
  if (particles == 1) return candidates;
  torch::Tensor chosen;
  if (choice == ParticleChoice::arg_max) {
    chosen = q.argmax(1);
  } else {
    // §3: pick particle i with probability softmax(Q(s, a_i)/λ).
    chosen = torch::multinomial(torch::softmax(q / temperature, 1), 1, false, generator).squeeze(1);
  }
  const torch::Tensor rows = torch::arange(batch, chosen.options()) * particles + chosen;
  return candidates.index_select(0, rows);
}

}  // namespace rfm::agents
