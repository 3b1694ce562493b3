// A diffusion policy (docs/algorithms.md §1, §4): the same residual network as the flow policy,
// read as a noise predictor ε̂ ≈ E[X0 | x_t] or a score predictor, under a VP or VE schedule,
// sampled from noise to action by ancestral (DDPM) or Euler–Maruyama steps on a uniform time grid.
// Actions are the final point clipped to [−1, 1] or its tanh.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "rfm/agents/policy.h"
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
// What the network receives as its time input: t itself; the level index k − 1 of a chain of
// `steps` discrete levels at t_k = 1 − k/T (QSM's sampler: training draws only those levels and
// sampling starts from N(0, I) at level T); or the log-SNR log(ᾱ/(1 − ᾱ)) with ᾱ = α² clipped to
// [1e-5, 1 − 1e-5] (MaxEntDP, the authors' QNE).
enum class TimeInput { time, level, log_snr };

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
  TimeInput time_input = TimeInput::time;
  bool clip_every_step = false;  // x clipped to [−1, 1] after every reverse step (QSM's sampler)
  double score_weight_floor = 1e-3;  // a score predictor's loss weight is β² + this (DQS)

  // diffusion.schedule | steps | sampler | prediction | action_map | t_min | data_clip, with
  // diffusion.ancestral_variance for the ancestral sampler and diffusion.vp_beta_max for the
  // vp-linear schedule where the preset has them, diffusion.time_input and
  // diffusion.clip_every_step and diffusion.score_weight_floor where the preset has them (run
  // folders from before they existed used t, no per-step clip and 1e-3), and `temperature_key`.
  static DiffusionPolicyOptions from_config(const rl::Config& config,
                                            const std::string& temperature_key);
};

class DiffusionPolicy : public Policy {
 public:
  DiffusionPolicy(nn::VelocityNetwork network, DiffusionPolicyOptions options);

  // The network's time input for times t [N] (or one t): t, the level index or the log-SNR.
  torch::Tensor network_time(const torch::Tensor& t) const;
  double network_time(double t) const;
  // Training times for `rows` points: uniform on [t_low, t_high], or for the level input uniform
  // over the chain's levels t_k = 1 − k/T, k = 1..T (the range is then the chain's).
  torch::Tensor draw_training_times(int64_t rows, double t_low, double t_high,
                                    const torch::TensorOptions& options, at::Generator& generator);
  // The same over [t_min, 1 − t_min] (RFM's range).
  torch::Tensor draw_training_times(int64_t rows, const torch::TensorOptions& options,
                                    at::Generator& generator) override;

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
  torch::Tensor sample(const torch::Tensor& states, at::Generator& generator, double noise_scale);
  torch::Tensor sample(const torch::Tensor& states, at::Generator& generator) override {
    return sample(states, generator, 1.0);
  }
  // The action of a final point: clip or tanh.
  torch::Tensor to_action(const torch::Tensor& x) const override;

  const flow::Schedule& schedule() const override { return options_.schedule; }
  // N(0, I): the DDPM and VE samplers' steps and the noise-to-score relation assume it.
  const flow::Source& source() const override { return source_; }
  double temperature() const override { return options_.temperature; }
  const DiffusionPolicyOptions& options() const { return options_; }
  nn::VelocityNetwork& network() override { return network_; }

  // The noise μ̂0 (§4: the target of a noise predictor, from which a score target follows).
  torch::Tensor regression_target(const flow::PosteriorMean& posterior) const override;

  // The regression loss onto a posterior-mean target at x_t (§4): for a noise predictor the mean
  // over rows and dimensions of (ε̂_θ − μ̂0)²; for a score predictor (DQS) the score target
  // −μ̂0/β with the weight w = β² + score_weight_floor, w · mean_j (s_θ − ŝ)².
  torch::Tensor regression_loss(const torch::Tensor& states, const torch::Tensor& x_t,
                                const torch::Tensor& t, const torch::Tensor& noise_target) override;

 private:
  flow::GaussianSource source_;
  // The reverse-step coefficients of one step from t to next_t on the sampling grid.
  struct GridStep {
    double t, alpha, beta, next_alpha, next_beta;
    double time_input;  // the network's time input at t
  };

  nn::VelocityNetwork network_;
  DiffusionPolicyOptions options_;
  std::vector<GridStep> grid_;
};

// vp-cosine | vp-linear | ve; ancestral | euler-maruyama; posterior | forward; noise
// | score; clip | tanh.
DiffusionSampler parse_diffusion_sampler(const std::string& name);
AncestralVariance parse_ancestral_variance(const std::string& name);
DiffusionPrediction parse_diffusion_prediction(const std::string& name);
TimeInput parse_time_input(const std::string& name);  // time | level | log-snr
ActionMap parse_action_map(const std::string& name);

}  // namespace rfm::agents
