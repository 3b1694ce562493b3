// Posterior-mean estimators (docs/algorithms.md §2): for B noisy points x_t [B, d] at times t [B],
// K draws each from a proposal for x0 (default: the source), self-normalised importance weights and
// Langevin–Stein control variates, on the noise side (μ0) or the data side (μ1). All batched.
#pragma once

#include <torch/types.h>

#include <string>

#include "rfm/flow/schedule.h"
#include "rfm/flow/source.h"
#include "rfm/flow/target.h"

namespace rfm::flow {

enum class EstimatorKind {
  snis,               // Σ w x0 (no control variate)
  fixed_eta,          // Λ = η I: η = 0 QNE/noise expectation, η = 1 iDEM/DQS score expectation
  optimal_isotropic,  // plug-in variance-optimal η, one per point
  optimal_diagonal,   // plug-in variance-optimal Λ = diag(Λ_j), per point and dimension
};
enum class EstimatorSide { noise, data };

inline constexpr const char* kEstimatorNames =
    "snis, eta0, eta1, eta=<x>, optimal-iso, optimal-diag";

struct EstimatorOptions {
  EstimatorKind kind = EstimatorKind::optimal_diagonal;
  // Λ = η I for fixed_eta. η is always the noise-side coefficient; on the data side it is applied
  // as c = η (β/α)², so "eta1" means the same estimator on both sides.
  double eta = 0.0;
  EstimatorSide side = EstimatorSide::data;  // the authors' code runs the data side
  double ridge = 1e-4;                       // added to the plug-in denominator
  double clip = 2.0;        // |Λ_j| ≤ clip (noise side), |c_j| ≤ clip (data side)
  int64_t num_draws = 100;  // K

  // snis | eta0 | eta1 | eta=<x> | optimal-iso | optimal-diag; other fields keep their defaults.
  // Anything else throws rfm::Error listing the valid names.
  static EstimatorOptions parse(const std::string& spec);
  std::string name() const;  // the inverse of parse
};

// noise | data; anything else throws rfm::Error.
EstimatorSide parse_estimator_side(const std::string& name);

// The K weighted draws behind every estimator, for B points (§2).
struct PosteriorDraws {
  torch::Tensor noise;        // x0_k [B, K, d], drawn from the proposal
  torch::Tensor data;         // x1_k = (x − β x0_k)/α [B, K, d]
  torch::Tensor log_weights;  // log ω_k = log p0(x0_k) + log p1(x1_k) − log r(x0_k) [B, K]
  torch::Tensor weights;      // w = softmax(log ω) over k [B, K]
  torch::Tensor noise_score;  // s0_k = ∇log p0(x0_k) − (β/α) ∇log p1(x1_k) [B, K, d]
  torch::Tensor data_score;  // s1_k = ∇log p1(x1_k) − (α/β) ∇log p0(x0_k) = −(α/β) s0_k
  torch::Tensor target_log_density;  // log p1(x1_k) [B, K]
  torch::Tensor target_gradient;     // ∇ log p1(x1_k) [B, K, d]
  torch::Tensor source_score;        // ∇ log p0(x0_k) [B, K, d]
};

struct PosteriorMean {
  torch::Tensor noise_mean;          // μ̂0 [B, d]
  torch::Tensor data_mean;           // μ̂1 [B, d]
  torch::Tensor ess;                 // 1/Σ w_k² [B]
  torch::Tensor coefficients;        // [B, d]: Λ on the noise side, c on the data side
  torch::Tensor noise_coefficients;  // the equivalent noise-side Λ = (α/β)² c [B, d]
  EstimatorSide side = EstimatorSide::noise;
  int64_t evaluations = 0;  // target evaluations (B·K)
};

// Weigh given proposal draws x0 [B, K, d] for points x_t [B, d] at times t [B]: one batched target
// evaluation. conditions [B, c] or undefined. proposal nullptr means the source.
PosteriorDraws weigh_posterior_draws(const torch::Tensor& x_t, const torch::Tensor& t,
                                     const torch::Tensor& noise_draws, const Schedule& schedule,
                                     const Source& source, const LogDensity& target,
                                     const torch::Tensor& conditions,
                                     const Source* proposal = nullptr);
// Draw K proposals per point with the generator, then weigh them.
PosteriorDraws draw_posterior(const torch::Tensor& x_t, const torch::Tensor& t, int64_t num_draws,
                              const Schedule& schedule, const Source& source,
                              const LogDensity& target, const torch::Tensor& conditions,
                              at::Generator& generator, const Source* proposal = nullptr);

// μ̂0 = Σ w (x0 + Λ s0) with Λ chosen by options (fixed η, plug-in iso or diagonal, or 0 for SNIS).
PosteriorMean posterior_mean_noise_side(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                        const torch::Tensor& t, const Schedule& schedule,
                                        const EstimatorOptions& options);
// μ̂1 = Σ w x1 + c ⊙ Σ w s1 with c chosen by options, μ̂0 = (x − α μ̂1)/β.
PosteriorMean posterior_mean_data_side(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                       const torch::Tensor& t, const Schedule& schedule,
                                       const EstimatorOptions& options);
// The same two forms with given coefficients (broadcastable to [B, d]), no plug-in.
PosteriorMean posterior_mean_noise_side_with(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                             const torch::Tensor& t, const Schedule& schedule,
                                             const torch::Tensor& noise_coefficients);
PosteriorMean posterior_mean_data_side_with(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                            const torch::Tensor& t, const Schedule& schedule,
                                            const torch::Tensor& data_coefficients);

// Dispatch on options.side.
PosteriorMean posterior_mean(const PosteriorDraws& draws, const torch::Tensor& x_t,
                             const torch::Tensor& t, const Schedule& schedule,
                             const EstimatorOptions& options);

// The marginal score ∇log p_t(x) as a posterior mean (§5, reverse score matching): for any source
// p0, ∇log p_t(x) = E_{X1|x}[(1/β) ∇log p0(X0)] (data-posterior form) = E_{X0|x}[(1/α) ∇log p1(X1)]
// (noise-posterior form), which differ by the Langevin–Stein control variate (1/β) s0. So
//   ŝ(η) = (1/β) Σ_k w_k (∇log p0(x0_k) − η s0_k),
// η = 0 the data-posterior form (target values only, in the weights), η = 1 the noise-posterior
// form (target gradients), and the plug-in variance-optimal η per point (isotropic) or per
// dimension (diagonal), clipped to |η| ≤ clip. snis means η = 0; side is not used. For the
// Gaussian source ∇log p0(x0) = −x0, so ŝ(η) = −μ̂0(Λ = η)/β.
struct PosteriorScore {
  torch::Tensor score;         // ŝ [B, d]
  torch::Tensor coefficients;  // η [B, d]
  torch::Tensor ess;           // 1/Σ w_k² [B]
  int64_t evaluations = 0;     // target evaluations (B·K)
};
PosteriorScore posterior_score_with(const PosteriorDraws& draws, const torch::Tensor& t,
                                    const Schedule& schedule, const torch::Tensor& coefficients);
PosteriorScore posterior_score(const PosteriorDraws& draws, const torch::Tensor& t,
                               const Schedule& schedule, const EstimatorOptions& options);
// Draw options.num_draws proposals per point, weigh them, and estimate the score. A source without
// the Langevin–Stein identity (the uniform box) has only the noise-posterior form: any other
// estimator than eta1 throws rfm::Error.
PosteriorScore estimate_posterior_score(const torch::Tensor& x_t, const torch::Tensor& t,
                                        const Schedule& schedule, const Source& source,
                                        const LogDensity& target, const torch::Tensor& conditions,
                                        const EstimatorOptions& options, at::Generator& generator,
                                        const Source* proposal = nullptr);
// Throws rfm::Error unless `options` estimates the score validly for `source` (see above).
void check_score_estimator(const Source& source, const EstimatorOptions& options);
// Throws rfm::Error unless `options` estimates posterior means validly for `source`: a source
// without the Langevin–Stein identity (the uniform box) takes snis only.
void check_mean_estimator(const Source& source, const EstimatorOptions& options);

// Draw options.num_draws proposals per point, weigh them, and estimate: the one call agents use.
PosteriorMean estimate_posterior_mean(const torch::Tensor& x_t, const torch::Tensor& t,
                                      const Schedule& schedule, const Source& source,
                                      const LogDensity& target, const torch::Tensor& conditions,
                                      const EstimatorOptions& options, at::Generator& generator,
                                      const Source* proposal = nullptr);

}  // namespace rfm::flow
