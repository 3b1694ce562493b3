// QNE, Q-weighted noise estimation (MaxEntDP; docs/algorithms.md §4): a VP cosine diffusion policy
// whose noise network is regressed onto the η = 0 member of the estimator family at noised replay
// actions: K candidate clean actions in [−1, 1] on the line through a_t, weights softmax(min Q̄/λ)
// of the target critics, target μ̂0 = Σ w x0_k. Soft critic backup with log π from the diffusion
// ELBO; evaluation takes the best of N sampled actions by Q.
#pragma once

#include <memory>

#include "rfm/agents/diffusion_agent.h"

namespace rfm::agents {

struct QneOptions {
  CommonUpdateOptions common;
  DiffusionPolicyOptions policy;  // diffusion.*; qne.temperature is λ
  int64_t candidates = 500;       // K
  bool soft_backup = true;
  int64_t log_prob_samples = 50;  // noise samples per ELBO step
  int64_t log_prob_steps = 20;    // ELBO time steps
  int64_t eval_candidates = 32;   // best-of-N evaluation
  static QneOptions from_config(const rl::Config& config);
};

class QneAgent : public DiffusionAgent {
 public:
  QneAgent(const QneOptions& options, int64_t observation_size, int64_t action_size,
           const rl::AgentContext& context);

  torch::Tensor act(const torch::Tensor& observations, bool explore,
                    at::Generator& generator) override;
  void update(const rl::TransitionBatch& batch, std::vector<double>& statistics) override;
  const std::vector<rl::StatisticInfo>& statistics() const override;

  // log π(a | s) up to a constant, from the discrete-time diffusion ELBO (§4): with T steps
  // t_0 < … < t_T on [t_min, 1 − t_min] and S noise samples ε,
  // −Σ_j w_j · mean_ε ‖ε − ε̂(α_j a + β_j ε, t_j)‖², with the weight w_j of the sampler's step
  // variance (diffusion.ancestral_variance; for VP, forward: (ᾱ_{j+1} − ᾱ_j)/(2 ᾱ_j (1 − ᾱ_j)),
  // posterior: ½ (SNR_{j+1} − SNR_j)/SNR_j, with ᾱ = α², SNR = α²/β²).
  torch::Tensor log_likelihood(const torch::Tensor& states, const torch::Tensor& actions,
                               at::Generator& generator);

 private:
  QneOptions options_;
};

// x0 ~ N(0, I) truncated per dimension to [lower, upper] (inverse CDF in float64, the upper tail
// mirrored so that far tails stay accurate); returned in lower's dtype.
torch::Tensor truncated_standard_normal(const torch::Tensor& lower, const torch::Tensor& upper,
                                        at::Generator& generator);

std::unique_ptr<rl::Agent> make_qne_agent(const rl::Config& config, const envs::TaskSpec& spec,
                                          const rl::AgentContext& context);

}  // namespace rfm::agents
