// The critic half every agent shares (docs/algorithms.md §3 step 2, §4): two Q networks and their
// Polyak targets, one TD regression step toward a target the agent computes (plain or soft backup),
// and the trainer-level keys that all algorithms read the same way.
#pragma once

#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>

#include "rfm/flow/estimators.h"
#include "rfm/nn/networks.h"
#include "rfm/rl/replay_buffer.h"

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}
namespace torch::serialize {
class InputArchive;
class OutputArchive;
}  // namespace torch::serialize
namespace rfm::rl {
class Config;
}

namespace rfm::agents {

// trainer.discount, polyak_tau, critic/actor learning rates and grad_norm_clip, range-checked, the
// network.* sizes (run folders from before those keys existed used the defaults).
struct CommonUpdateOptions {
  double discount = 0.99;
  double polyak_tau = 0.005;
  double critic_learning_rate = 1e-3;
  double actor_learning_rate = 3e-4;
  double grad_norm_clip = 10.0;  // 0: gradients are not clipped
  nn::NetworkSizes networks;     // network.*, where the preset has them
  static CommonUpdateOptions from_config(const rl::Config& config);
};

// Refuses a config whose trainer.batch_size × samples_key (draws per state of an update) exceeds
// rl::kMaxRowsPerEvaluation, before any network sees such a batch.
void check_estimator_rows(const rl::Config& config, const std::string& samples_key);

// Rescales the gradients of `parameters` to a global L2 norm of at most max_norm; max_norm 0 leaves
// them as they are (the baselines' presets: their authors clip only RFM's gradients).
void clip_gradient_norm(const std::vector<torch::Tensor>& parameters, double max_norm);

class CriticLearner {
 public:
  // The online critics' initial weights are drawn with `initial_weights` (a CPU generator); the
  // targets start as their copies. Both live on `device`.
  CriticLearner(int64_t observation_size, int64_t action_size, const CommonUpdateOptions& options,
                c10::Device device, const at::Generator& initial_weights);
  ~CriticLearner();

  // y = r + γ (1 − terminal) · next_value, without graph.
  torch::Tensor td_target(const rl::TransitionBatch& batch, const torch::Tensor& next_value) const;
  // min(Q̄1, Q̄2)(s', a') of the target critics, without graph.
  torch::Tensor target_min_q(const torch::Tensor& states, const torch::Tensor& actions);

  struct StepResult {
    double loss = 0, mean_q = 0;
  };
  // One Adam step on the mean of both members' squared TD errors at the replay (s, a), with the
  // gradient norm clipped; `after_backward`, if given, runs between the backward pass and the
  // clipping (tests read the raw gradients there).
  StepResult regress(const torch::Tensor& states, const torch::Tensor& actions,
                     const torch::Tensor& td_target,
                     const std::function<void()>& after_backward = {});
  // Q̄ ← (1 − τ) Q̄ + τ Q.
  void update_target();

  // §2: the posterior at the noisy points x_t (times t, states s) of the Boltzmann policy
  // exp(min(Q1, Q2)/λ) of the online critic, with estimator.num_draws draws x0 from `source` under
  // `schedule` and the given estimator; tanh_latent puts the target in the tanh latent.
  struct BoltzmannPosterior {
    flow::PosteriorDraws draws;
    flow::PosteriorMean mean;
  };
  BoltzmannPosterior boltzmann_posterior(const torch::Tensor& states, const torch::Tensor& noisy,
                                         const torch::Tensor& times, const flow::Schedule& schedule,
                                         const flow::Source& source, double temperature,
                                         const flow::EstimatorOptions& estimator, bool tanh_latent,
                                         at::Generator& generator);

  nn::CriticEnsembleImpl& online() { return *online_; }
  nn::CriticEnsembleImpl& target() { return *target_; }

  void write(torch::serialize::OutputArchive& archive) const;
  void read(torch::serialize::InputArchive& archive);

 private:
  CommonUpdateOptions options_;
  nn::CriticEnsemble online_, target_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
};

// The archive entries every actor-critic agent has: the critics (CriticLearner::write), one actor
// network ("actor") with its optimiser ("actor_optimizer"), and the agent's random stream
// ("generator"). Agents with more state (SAC's temperature) add their own entries beside these.
void write_actor_critic(torch::serialize::OutputArchive& archive, const CriticLearner& critic,
                        const torch::nn::Module& actor, const torch::optim::Optimizer& optimizer,
                        const at::Generator& generator);
void read_actor_critic(torch::serialize::InputArchive& archive, CriticLearner& critic,
                       torch::nn::Module& actor, torch::optim::Optimizer& optimizer,
                       at::Generator& generator);

}  // namespace rfm::agents
