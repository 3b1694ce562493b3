// A diffusion policy (ALGORITHMS.md §1, §4): the same residual network as the flow policy, read as
// a noise predictor ε̂ ≈ E[X0 | x_t] or a score predictor, under a VP or VE schedule, sampled from
// noise to action by ancestral (DDPM) or Euler–Maruyama steps on a uniform time grid. Actions are
// the final point clipped to [−1, 1] or its tanh.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "rfm/flow/schedule.h"
#include "rfm/nn/networks.h"

namespace rfm::rl {
class Config;
}

namespace rfm::agents {

enum class DiffusionSampler { ancestral, euler_maruyama };
// The noise of an ancestral step from t to t′: the DDPM posterior variance β̃ = v β′²/β²
// ("fixed small") or the forward jump's variance v itself ("fixed large", as IDQL's sampler and the
// RFM authors' MaxEntDP use), with v = β² − (α/α′)² β′²; no noise on the last step either way.
enum class AncestralVariance { posterior, forward };
enum class DiffusionPrediction { noise, score };  // what the network outputs
enum class ActionMap { clip, tanh };

struct DiffusionPolicyOptions {
  flow::Schedule schedule = flow::Schedule::vp_cosine();
  int64_t steps = 20;
  DiffusionSampler sampler = DiffusionSampler::ancestral;
  AncestralVariance ancestral_variance = AncestralVariance::posterior;
  DiffusionPrediction prediction = DiffusionPrediction::noise;
  ActionMap action_map = ActionMap::clip;
  double t_min = 1e-3;  // the grid runs from t_min (noise) to 1 (data)
  // |x̂1| ≤ data_clip for the ancestral step's data prediction (0: none). At high noise x̂1 =
  // (x − β ε̂)/α multiplies the network's error by 1/α; DDPM clips it to the action box.
  double data_clip = 1.0;
  double temperature = 0.02;  // λ, an input of the network (as for the flow policy)

  // diffusion.schedule | steps | sampler | prediction | action_map | t_min | data_clip, with
  // diffusion.ancestral_variance for the ancestral sampler and diffusion.vp_beta_max for the
  // vp-linear schedule where the preset has them, and `temperature_key`.
  static DiffusionPolicyOptions from_config(const rl::Config& config,
                                            const std::string& temperature_key);
};

class DiffusionPolicy {
 public:
  DiffusionPolicy(nn::VelocityNetwork network, DiffusionPolicyOptions options);

  // The network's output at x_t [N, d], times t [N] for states [N, s], with graph.
  torch::Tensor network_output(const torch::Tensor& states, const torch::Tensor& x_t,
                               const torch::Tensor& t);
  // ε̂ = E[X0 | x_t] from the network's output (score s: ε̂ = −β s), with graph.
  torch::Tensor predict_noise(const torch::Tensor& states, const torch::Tensor& x_t,
                              const torch::Tensor& t);
  // The data prediction x̂1 = (x − β ε̂)/α, clipped to [−data_clip, data_clip].
  torch::Tensor predict_data(const torch::Tensor& x_t, const torch::Tensor& noise_prediction,
                             const torch::Tensor& t) const;

  // One final point per row of `states` [N, s], without graph: x starts from N(0, β(t_min)² I) and
  // takes `steps` reverse steps to t = 1; noise_scale multiplies the injected noise (0 gives the
  // deterministic drift). Returns [N, d] in sample space (clipped already for clipped actions).
  torch::Tensor sample(const torch::Tensor& states, at::Generator& generator,
                       double noise_scale = 1.0);
  // The action of a final point: clip or tanh.
  torch::Tensor to_action(const torch::Tensor& x) const;

  const DiffusionPolicyOptions& options() const { return options_; }
  nn::VelocityNetwork& network() { return network_; }

  // The regression loss onto a posterior-mean target at x_t (§4): for a noise predictor the mean
  // over rows and dimensions of (ε̂_θ − μ̂0)²; for a score predictor (DQS) the score target
  // −μ̂0/β with the weight β² + 1e-3, (β² + 1e-3) · mean_j (s_θ − ŝ)².
  torch::Tensor regression_loss(const torch::Tensor& states, const torch::Tensor& x_t,
                                const torch::Tensor& t, const torch::Tensor& noise_target);

 private:
  // The reverse-step coefficients of one step from t to next_t on the sampling grid.
  struct GridStep {
    double t, alpha, beta, next_alpha, next_beta;
  };

  nn::VelocityNetwork network_;
  DiffusionPolicyOptions options_;
  std::vector<GridStep> grid_;
};

// vp-cosine | vp-linear | ve; ancestral | euler-maruyama; posterior | forward; noise | score;
// clip | tanh.
DiffusionSampler parse_diffusion_sampler(const std::string& name);
AncestralVariance parse_ancestral_variance(const std::string& name);
DiffusionPrediction parse_diffusion_prediction(const std::string& name);
ActionMap parse_action_map(const std::string& name);

}  // namespace rfm::agents
