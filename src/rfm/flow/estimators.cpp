#include "rfm/flow/estimators.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "rfm/util/allocator.h"
#include "rfm/util/error.h"

namespace rfm::flow {

EstimatorOptions EstimatorOptions::parse(const std::string& spec) {
  EstimatorOptions options;
  if (spec == "snis") {
    options.kind = EstimatorKind::snis;
  } else if (spec == "eta0" || spec == "eta1") {
    options.kind = EstimatorKind::fixed_eta;
    options.eta = spec == "eta0" ? 0.0 : 1.0;
  } else if (spec.rfind("eta=", 0) == 0 && spec.size() > 4) {
    const char* begin = spec.c_str() + 4;
    char* end = nullptr;
    const double eta = std::strtod(begin, &end);
    if (end == begin || *end != '\0' || !std::isfinite(eta))
      throw Error("bad estimator '" + spec +
                  "': eta=<x> needs a finite number (valid: " + kEstimatorNames + ")");
    options.kind = EstimatorKind::fixed_eta;
    options.eta = eta;
  } else if (spec == "optimal-iso") {
    options.kind = EstimatorKind::optimal_isotropic;
  } else if (spec == "optimal-diag") {
    options.kind = EstimatorKind::optimal_diagonal;
  } else {
    throw Error("unknown estimator '" + spec + "' (valid: " + kEstimatorNames + ")");
  }
  return options;
}

std::string EstimatorOptions::name() const {
  switch (kind) {
    case EstimatorKind::snis:
      return "snis";
    case EstimatorKind::fixed_eta:
      if (eta == 0.0) return "eta0";
      if (eta == 1.0) return "eta1";
      return "eta=" + std::to_string(eta);
    case EstimatorKind::optimal_isotropic:
      return "optimal-iso";
    case EstimatorKind::optimal_diagonal:
      return "optimal-diag";
  }
  return "?";
}

EstimatorSide parse_estimator_side(const std::string& name) {
  if (name == "noise") return EstimatorSide::noise;
  if (name == "data") return EstimatorSide::data;
  throw Error("unknown estimator side '" + name + "' (valid: noise, data)");
}

namespace {

void check_points(const torch::Tensor& x_t, const torch::Tensor& t) {
  if (x_t.dim() != 2) throw Error("posterior points x_t must have shape [B, d]");
  if (t.dim() != 1 || t.size(0) != x_t.size(0)) throw Error("times t must have shape [B]");
}

// Plug-in variance-optimal coefficient from the same draws (§2): per dimension j,
// −Σ w² (y − ȳ)(s − s̄) / (Σ w² (s − s̄)² + ridge), summed over j first when isotropic, then clipped.
torch::Tensor plug_in_coefficients(const torch::Tensor& values, const torch::Tensor& scores,
                                   const torch::Tensor& weights, bool isotropic, double ridge,
                                   double clip) {
  const torch::Tensor w = weights.unsqueeze(-1);  // [B, K, 1]
  const torch::Tensor value_mean = (w * values).sum(1, /*keepdim=*/true);
  const torch::Tensor score_mean = (w * scores).sum(1, /*keepdim=*/true);
  const torch::Tensor w2 = w * w;
  const torch::Tensor centred_scores = scores - score_mean;
  torch::Tensor numerator = (w2 * (values - value_mean) * centred_scores).sum(1);  // [B, d]
  torch::Tensor denominator = (w2 * centred_scores * centred_scores).sum(1);
  if (isotropic) {
    numerator = numerator.sum(-1, /*keepdim=*/true);
    denominator = denominator.sum(-1, /*keepdim=*/true);
  }
  return (-numerator / (denominator + ridge))
      .clamp(-clip, clip)
      .expand({values.size(0), values.size(2)});
}

// β_t/α_t as a [B, 1] column.
torch::Tensor beta_over_alpha(const torch::Tensor& t, const Schedule& schedule) {
  return (schedule.beta(t) / schedule.alpha(t)).unsqueeze(-1);
}

// The noise-side coefficient for the data-side c (and back): Λ = (α/β)² c.
torch::Tensor alpha_over_beta_squared(const torch::Tensor& t, const Schedule& schedule) {
  const torch::Tensor ratio = schedule.alpha(t) / schedule.beta(t);
  return (ratio * ratio).unsqueeze(-1);  // [B, 1]
}

torch::Tensor effective_sample_size(const torch::Tensor& weights) {
  return 1.0 / (weights * weights).sum(1);
}

}  // namespace

PosteriorDraws weigh_posterior_draws(const torch::Tensor& x_t, const torch::Tensor& t,
                                     const torch::Tensor& noise_draws, const Schedule& schedule,
                                     const Source& source, const LogDensity& target,
                                     const torch::Tensor& conditions, const Source* proposal) {
  check_points(x_t, t);
  PosteriorDraws draws;
  draws.noise = noise_draws;
  const torch::Tensor alpha = schedule.alpha(t).view({-1, 1, 1});
  const torch::Tensor beta = schedule.beta(t).view({-1, 1, 1});
  // §2: x1_k = (x − β_t x0_k)/α_t, on the line through x.
  draws.data = (x_t.unsqueeze(1) - beta * noise_draws) / alpha;
  // §2: log p1 and ∇ log p1 at all B·K points, batched, in chunks of whole points of at most
  // kRowsPerHeapChunk draws (util/allocator.h).
  const int64_t points = draws.data.size(0), draws_per_point = draws.data.size(1);
  const int64_t points_per_chunk = std::max<int64_t>(1, kRowsPerHeapChunk / draws_per_point);
  if (points <= points_per_chunk) {
    LogDensityEvaluation evaluation = target.evaluate(draws.data, conditions);
    draws.target_log_density = evaluation.log_density;
    draws.target_gradient = evaluation.gradient;
  } else {
    std::vector<torch::Tensor> log_densities, gradients;
    for (int64_t start = 0; start < points; start += points_per_chunk) {
      const int64_t count = std::min(points_per_chunk, points - start);
      LogDensityEvaluation evaluation =
          target.evaluate(draws.data.narrow(0, start, count),
                          conditions.defined() ? conditions.narrow(0, start, count) : conditions);
      log_densities.push_back(evaluation.log_density);
      gradients.push_back(evaluation.gradient);
    }
    draws.target_log_density = torch::cat(log_densities);
    draws.target_gradient = torch::cat(gradients);
  }
  // §2: log ω = log p0(x0) + log p1(x1) − log r(x0); with r = p0 only log p1 remains.
  draws.log_weights = draws.target_log_density;
  if (proposal != nullptr && proposal != &source)
    draws.log_weights =
        draws.log_weights + source.log_density(noise_draws) - proposal->log_density(noise_draws);
  draws.log_weights =
      torch::nan_to_num(draws.log_weights, -std::numeric_limits<double>::infinity());
  // §2: w = softmax(log ω), max subtracted (softmax does it).
  draws.weights = torch::softmax(draws.log_weights, 1);
  // §2: Langevin–Stein scores s0 = ∇log p0(x0) − (β/α) ∇log p1(x1), s1 = −(α/β) s0.
  draws.source_score = source.score(noise_draws);
  draws.noise_score = draws.source_score - (beta / alpha) * draws.target_gradient;
  draws.data_score = draws.target_gradient - (alpha / beta) * draws.source_score;
  return draws;
}

PosteriorDraws draw_posterior(const torch::Tensor& x_t, const torch::Tensor& t, int64_t num_draws,
                              const Schedule& schedule, const Source& source,
                              const LogDensity& target, const torch::Tensor& conditions,
                              at::Generator& generator, const Source* proposal) {
  check_points(x_t, t);
  if (num_draws < 1) throw Error("the number of posterior draws K must be positive");
  const Source& from = proposal != nullptr ? *proposal : source;
  // §2: x0_k ~ r, k = 1..K, for every point.
  const torch::Tensor noise_draws =
      from.sample({x_t.size(0), num_draws, x_t.size(1)}, generator, x_t.options());
  return weigh_posterior_draws(x_t, t, noise_draws, schedule, source, target, conditions, proposal);
}

PosteriorMean posterior_mean_noise_side_with(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                             const torch::Tensor& t, const Schedule& schedule,
                                             const torch::Tensor& noise_coefficients) {
  const torch::Tensor w = draws.weights.unsqueeze(-1);
  PosteriorMean result;
  result.side = EstimatorSide::noise;
  result.coefficients = noise_coefficients.to(x_t.dtype()).expand_as(x_t);
  result.noise_coefficients = result.coefficients;
  // §2: μ̂0(Λ) = Σ_k w_k (x0_k + Λ s0_k) = Σ w x0 + Λ ⊙ Σ w s0.
  const torch::Tensor weighted_score = (w * draws.noise_score).sum(1);
  result.noise_mean = (w * draws.noise).sum(1) + result.coefficients * weighted_score;
  // §1: μ1 = (x − β μ0)/α, which is Σ w x1 − (β/α) Λ ⊙ Σ w s0 since α x1_k = x − β x0_k and
  // Σ w = 1; this form avoids the cancellation in x − β μ̂0 where α is small.
  result.data_mean =
      (w * draws.data).sum(1) - beta_over_alpha(t, schedule) * result.coefficients * weighted_score;
  result.ess = effective_sample_size(draws.weights);
  result.evaluations = draws.weights.numel();
  return result;
}

PosteriorMean posterior_mean_data_side_with(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                            const torch::Tensor& t, const Schedule& schedule,
                                            const torch::Tensor& data_coefficients) {
  const torch::Tensor w = draws.weights.unsqueeze(-1);
  PosteriorMean result;
  result.side = EstimatorSide::data;
  result.coefficients = data_coefficients.to(x_t.dtype()).expand_as(x_t);
  // §2: Λ = (α/β)² c.
  result.noise_coefficients = alpha_over_beta_squared(t, schedule) * result.coefficients;
  // §2 data side: μ̂1 = Σ w x1 + c ⊙ Σ w s1.
  const torch::Tensor weighted_score = (w * draws.data_score).sum(1);
  result.data_mean = (w * draws.data).sum(1) + result.coefficients * weighted_score;
  // §1: μ0 = (x − α μ1)/β, which is Σ w x0 − (α/β) c ⊙ Σ w s1 since β x0_k = x − α x1_k and
  // Σ w = 1; this form avoids the cancellation in x − α μ̂1 where β is small (late t of a VE
  // schedule, where the score −μ0/β would otherwise carry the float32 rounding of x times 1/β²).
  result.noise_mean = (w * draws.noise).sum(1) -
                      (1.0 / beta_over_alpha(t, schedule)) * result.coefficients * weighted_score;
  result.ess = effective_sample_size(draws.weights);
  result.evaluations = draws.weights.numel();
  return result;
}

PosteriorMean posterior_mean_noise_side(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                        const torch::Tensor& t, const Schedule& schedule,
                                        const EstimatorOptions& options) {
  switch (options.kind) {
    case EstimatorKind::snis:
      return posterior_mean_noise_side_with(draws, x_t, t, schedule,
                                            torch::zeros({1}, x_t.options()));
    case EstimatorKind::fixed_eta:
      return posterior_mean_noise_side_with(draws, x_t, t, schedule,
                                            torch::full({1}, options.eta, x_t.options()));
    case EstimatorKind::optimal_isotropic:
    case EstimatorKind::optimal_diagonal:
      // §2: plug-in optimal Λ from x0 and s0.
      return posterior_mean_noise_side_with(
          draws, x_t, t, schedule,
          plug_in_coefficients(draws.noise, draws.noise_score, draws.weights,
                               options.kind == EstimatorKind::optimal_isotropic, options.ridge,
                               options.clip));
  }
  throw Error("unhandled estimator kind");
}

PosteriorMean posterior_mean_data_side(const PosteriorDraws& draws, const torch::Tensor& x_t,
                                       const torch::Tensor& t, const Schedule& schedule,
                                       const EstimatorOptions& options) {
  switch (options.kind) {
    case EstimatorKind::snis:
      return posterior_mean_data_side_with(draws, x_t, t, schedule,
                                           torch::zeros({1}, x_t.options()));
    case EstimatorKind::fixed_eta:
      // §2: Λ = η I is c = η (β/α)².
      return posterior_mean_data_side_with(draws, x_t, t, schedule,
                                           options.eta / alpha_over_beta_squared(t, schedule));
    case EstimatorKind::optimal_isotropic:
    case EstimatorKind::optimal_diagonal:
      // §2 data side: plug-in c from x1 and s1, clipped to |c_j| ≤ clip. The plug-in formula
      // only sees x1 − Σ w x1 = −(β/α)(x0 − Σ w x0), taken from x0: the stored x1 = (x − β x0)/α
      // keeps few digits of β x0 where β is small.
      return posterior_mean_data_side_with(
          draws, x_t, t, schedule,
          plug_in_coefficients(-beta_over_alpha(t, schedule).unsqueeze(1) * draws.noise,
                               draws.data_score, draws.weights,
                               options.kind == EstimatorKind::optimal_isotropic, options.ridge,
                               options.clip));
  }
  throw Error("unhandled estimator kind");
}

PosteriorMean posterior_mean(const PosteriorDraws& draws, const torch::Tensor& x_t,
                             const torch::Tensor& t, const Schedule& schedule,
                             const EstimatorOptions& options) {
  return options.side == EstimatorSide::noise
             ? posterior_mean_noise_side(draws, x_t, t, schedule, options)
             : posterior_mean_data_side(draws, x_t, t, schedule, options);
}

PosteriorScore posterior_score_with(const PosteriorDraws& draws, const torch::Tensor& t,
                                    const Schedule& schedule, const torch::Tensor& coefficients) {
  const torch::Tensor w = draws.weights.unsqueeze(-1);
  PosteriorScore result;
  result.coefficients =
      coefficients.to(draws.noise.dtype()).expand({draws.noise.size(0), draws.noise.size(2)});
  // §5: ŝ(η) = (1/β) (Σ w ∇log p0(x0) − η ⊙ Σ w s0).
  result.score =
      ((w * draws.source_score).sum(1) - result.coefficients * (w * draws.noise_score).sum(1)) /
      schedule.beta(t).unsqueeze(-1);
  result.ess = effective_sample_size(draws.weights);
  result.evaluations = draws.weights.numel();
  return result;
}

PosteriorScore posterior_score(const PosteriorDraws& draws, const torch::Tensor& t,
                               const Schedule& schedule, const EstimatorOptions& options) {
  const auto scalar = [&](double eta) { return torch::full({1}, eta, draws.noise.options()); };
  switch (options.kind) {
    case EstimatorKind::snis:
      return posterior_score_with(draws, t, schedule, scalar(0.0));
    case EstimatorKind::fixed_eta:
      return posterior_score_with(draws, t, schedule, scalar(options.eta));
    case EstimatorKind::optimal_isotropic:
    case EstimatorKind::optimal_diagonal:
      // §5 with §2's plug-in: the variance-optimal Λ of Σ w (∇log p0 + Λ s0) is −η.
      return posterior_score_with(
          draws, t, schedule,
          -plug_in_coefficients(draws.source_score, draws.noise_score, draws.weights,
                                options.kind == EstimatorKind::optimal_isotropic, options.ridge,
                                options.clip));
  }
  throw Error("unhandled estimator kind");
}

void check_score_estimator(const Source& source, const EstimatorOptions& options) {
  const bool noise_posterior_form = options.kind == EstimatorKind::fixed_eta && options.eta == 1.0;
  if (!source.supports_control_variates() && !noise_posterior_form)
    throw Error("the " + source.name() + " source's density jumps at its edge, so the score " +
                "takes estimator eta1 only (the noise-posterior form), not '" + options.name() +
                "'");
}

void check_mean_estimator(const Source& source, const EstimatorOptions& options) {
  if (options.kind != EstimatorKind::snis && !source.supports_control_variates())
    throw Error("the " + source.name() + " source's density jumps at its edge, so posterior " +
                "means take estimator snis only, not '" + options.name() + "'");
}

PosteriorScore estimate_posterior_score(const torch::Tensor& x_t, const torch::Tensor& t,
                                        const Schedule& schedule, const Source& source,
                                        const LogDensity& target, const torch::Tensor& conditions,
                                        const EstimatorOptions& options, at::Generator& generator,
                                        const Source* proposal) {
  check_score_estimator(source, options);
  const PosteriorDraws draws = draw_posterior(x_t, t, options.num_draws, schedule, source, target,
                                              conditions, generator, proposal);
  return posterior_score(draws, t, schedule, options);
}

PosteriorMean estimate_posterior_mean(const torch::Tensor& x_t, const torch::Tensor& t,
                                      const Schedule& schedule, const Source& source,
                                      const LogDensity& target, const torch::Tensor& conditions,
                                      const EstimatorOptions& options, at::Generator& generator,
                                      const Source* proposal) {
  check_mean_estimator(source, options);
  const PosteriorDraws draws = draw_posterior(x_t, t, options.num_draws, schedule, source, target,
                                              conditions, generator, proposal);
  return posterior_mean(draws, x_t, t, schedule, options);
}

}  // namespace rfm::flow
