#include "rfm/agents/diffusion_policy.h"

#include <algorithm>
#include <cmath>

#include "rfm/rl/config.h"
#include "rfm/util/error.h"

namespace rfm::agents {

DiffusionSampler parse_diffusion_sampler(const std::string& name) {
  if (name == "ancestral") return DiffusionSampler::ancestral;
  if (name == "euler-maruyama") return DiffusionSampler::euler_maruyama;
  throw Error("unknown diffusion sampler '" + name + "' (valid: ancestral, euler-maruyama)");
}

AncestralVariance parse_ancestral_variance(const std::string& name) {
  if (name == "posterior") return AncestralVariance::posterior;
  if (name == "forward") return AncestralVariance::forward;
  throw Error("diffusion.ancestral_variance: unknown value '" + name +
              "' (valid: posterior, forward)");
}

DiffusionPrediction parse_diffusion_prediction(const std::string& name) {
  if (name == "noise") return DiffusionPrediction::noise;
  if (name == "score") return DiffusionPrediction::score;
  throw Error("unknown diffusion prediction '" + name + "' (valid: noise, score)");
}

TimeInput parse_time_input(const std::string& name) {
  if (name == "time") return TimeInput::time;
  if (name == "level") return TimeInput::level;
  if (name == "log-snr") return TimeInput::log_snr;
  throw Error("diffusion.time_input: unknown value '" + name + "' (valid: time, level, log-snr)");
}

ActionMap parse_action_map(const std::string& name) {
  if (name == "clip") return ActionMap::clip;
  if (name == "tanh") return ActionMap::tanh;
  throw Error("unknown action map '" + name + "' (valid: clip, tanh)");
}

DiffusionPolicyOptions DiffusionPolicyOptions::from_config(const rl::Config& config,
                                                           const std::string& temperature_key) {
  DiffusionPolicyOptions options;
  const std::string& schedule = config.get_string("diffusion.schedule");
  if (schedule != "vp-cosine" && schedule != "vp-linear" && schedule != "ve")
    throw Error("diffusion.schedule: unknown value '" + schedule +
                "' (valid: vp-cosine, vp-linear, ve)");
  options.schedule = flow::Schedule::parse(schedule);
  // vp-linear's β_max (β(τ) from 0.1 to β_max), where the preset names one.
  if (schedule == "vp-linear" && config.has("diffusion.vp_beta_max"))
    options.schedule = flow::Schedule::vp_linear(0.1, config.get_double("diffusion.vp_beta_max"));
  options.steps = config.get_int("diffusion.steps");
  options.sampler = parse_diffusion_sampler(config.get_string("diffusion.sampler"));
  // Run folders written before diffusion.ancestral_variance existed used the posterior variance.
  if (options.sampler == DiffusionSampler::ancestral && config.has("diffusion.ancestral_variance"))
    options.ancestral_variance =
        parse_ancestral_variance(config.get_string("diffusion.ancestral_variance"));
  options.prediction = parse_diffusion_prediction(config.get_string("diffusion.prediction"));
  options.action_map = parse_action_map(config.get_string("diffusion.action_map"));
  options.t_min = config.get_double("diffusion.t_min");
  options.data_clip = config.get_double("diffusion.data_clip");
  options.temperature = config.get_double(temperature_key);
  if (config.has("diffusion.time_input"))
    options.time_input = parse_time_input(config.get_string("diffusion.time_input"));
  if (config.has("diffusion.clip_every_step"))
    options.clip_every_step = config.get_bool("diffusion.clip_every_step");
  if (config.has("diffusion.score_weight_floor"))
    options.score_weight_floor = config.get_double("diffusion.score_weight_floor");
  if (options.time_input == TimeInput::level && options.sampler != DiffusionSampler::ancestral)
    throw Error("diffusion.time_input = \"level\" needs diffusion.sampler = \"ancestral\"");
  return options;
}

DiffusionPolicy::DiffusionPolicy(nn::VelocityNetwork network, DiffusionPolicyOptions options)
    : network_(std::move(network)), options_(std::move(options)) {
  if (options_.steps < 1) throw Error("diffusion.steps must be at least 1");
  if (!(options_.t_min > 0 && options_.t_min < 0.5))
    throw Error("diffusion.t_min must lie in (0, 0.5)");
  // The grid from t_min (a chain of levels: from level T at t = 0) to 1 and its schedule
  // coefficients, computed once.
  const auto coefficient = [](const torch::Tensor& value) { return value.item<double>(); };
  const double start = options_.time_input == TimeInput::level ? 0.0 : options_.t_min;
  const double dt = (1.0 - start) / static_cast<double>(options_.steps);
  for (int64_t step = 0; step < options_.steps; ++step) {
    const double t = start + static_cast<double>(step) * dt;
    const double next_t = step + 1 == options_.steps ? 1.0 : t + dt;
    const torch::Tensor now = torch::full({1}, t, torch::kFloat64);
    const torch::Tensor next = torch::full({1}, next_t, torch::kFloat64);
    grid_.push_back({t, coefficient(options_.schedule.alpha(now)),
                     coefficient(options_.schedule.beta(now)),
                     coefficient(options_.schedule.alpha(next)),
                     coefficient(options_.schedule.beta(next)), network_time(t)});
  }
}

torch::Tensor DiffusionPolicy::network_time(const torch::Tensor& t) const {
  switch (options_.time_input) {
    case TimeInput::time:
      return t;
    case TimeInput::level:
      // t_k = 1 − k/T: the level index k − 1, an integer.
      return torch::round(static_cast<double>(options_.steps) * (1.0 - t)) - 1.0;
    case TimeInput::log_snr: {
      const torch::Tensor alpha_bar = options_.schedule.alpha(t).pow(2).clamp(1e-5, 1.0 - 1e-5);
      return torch::log(alpha_bar) - torch::log1p(-alpha_bar);
    }
  }
  return t;
}

double DiffusionPolicy::network_time(double t) const {
  return network_time(torch::full({1}, t, torch::kFloat64)).item<double>();
}

torch::Tensor DiffusionPolicy::draw_training_times(int64_t rows, double t_low, double t_high,
                                                   const torch::TensorOptions& options,
                                                   at::Generator& generator) {
  if (options_.time_input != TimeInput::level)
    return torch::empty({rows}, options).uniform_(t_low, t_high, generator);
  // k uniform on 1..T, t_k = 1 − k/T.
  const torch::Tensor levels = torch::randint(1, options_.steps + 1, {rows}, generator, options);
  return 1.0 - levels / static_cast<double>(options_.steps);
}

torch::Tensor DiffusionPolicy::draw_training_times(int64_t rows,
                                                   const torch::TensorOptions& options,
                                                   at::Generator& generator) {
  return draw_training_times(rows, options_.t_min, 1.0 - options_.t_min, options, generator);
}

torch::Tensor DiffusionPolicy::network_output(const torch::Tensor& states, const torch::Tensor& x_t,
                                              const torch::Tensor& t) {
  return network_->forward(states, x_t, network_time(t),
                           torch::full({states.size(0)}, options_.temperature, states.options()));
}

torch::Tensor DiffusionPolicy::predict_noise(const torch::Tensor& states, const torch::Tensor& x_t,
                                             const torch::Tensor& t) {
  const torch::Tensor output = network_output(states, x_t, t);
  if (options_.prediction == DiffusionPrediction::noise) return output;
  // §1: ∇ log p_t = −μ0/β, so μ0 = −β · score.
  return -options_.schedule.beta(t).unsqueeze(1) * output;
}

torch::Tensor DiffusionPolicy::predict_data(const torch::Tensor& x_t,
                                            const torch::Tensor& noise_prediction,
                                            const torch::Tensor& t) const {
  torch::Tensor data = options_.schedule.data_from_noise(x_t, noise_prediction, t);
  if (options_.data_clip > 0) data = data.clamp(-options_.data_clip, options_.data_clip);
  return data;
}

torch::Tensor DiffusionPolicy::sample(const torch::Tensor& states, at::Generator& generator,
                                      double noise_scale) {
  torch::NoGradGuard no_grad;
  const int64_t rows = states.size(0), dim = network_->action_size;
  // §1: at t_min, x_t ≈ β x0 with x0 ~ N(0, I) (the α x1 term is dropped); a chain of levels
  // starts from N(0, I) at its last level, as QSM's sampler.
  const double start_std = options_.time_input == TimeInput::level ? 1.0 : grid_.front().beta;
  torch::Tensor x = torch::randn({rows, dim}, generator, states.options()) * start_std;
  // s and λ stay fixed along the path: their first-layer terms are computed once.
  auto& network = *network_;
  const torch::Tensor condition = network.condition_features(
      states, torch::full({rows}, options_.temperature, states.options()));
  for (const GridStep& step : grid_) {
    const torch::Tensor output = network.forward_conditioned(condition, x, step.time_input);
    // §1: a score output s gives ε̂ = −β s.
    const torch::Tensor noise_prediction =
        options_.prediction == DiffusionPrediction::noise ? output : -step.beta * output;
    const torch::Tensor z = torch::randn({rows, dim}, generator, states.options());
    if (options_.sampler == DiffusionSampler::ancestral) {
      // DDPM posterior q(x_t' | x_t, x̂1): with r = α/α' and v = β² − r² β'² the forward jump's
      // variance from t' to t, mean (r β'²/β²) x + (α' v/β²) x̂1, variance v β'²/β² (posterior)
      // or v (forward).
      // §1: x̂1 = (x − β ε̂)/α, clipped as predict_data does.
      torch::Tensor data = (x - step.beta * noise_prediction) / step.alpha;
      if (options_.data_clip > 0) data.clamp_(-options_.data_clip, options_.data_clip);
      const double beta2 = step.beta * step.beta, next_beta2 = step.next_beta * step.next_beta;
      const double ratio = step.alpha / step.next_alpha;
      const double jump_variance = std::max(
          flow::forward_jump_variance(step.alpha, step.beta, step.next_alpha, step.next_beta), 0.0);
      const double step_std = &step == &grid_.back() ? 0.0
                              : options_.ancestral_variance == AncestralVariance::posterior
                                  ? std::sqrt(jump_variance) * step.next_beta / step.beta
                                  : std::sqrt(jump_variance);
      x = (ratio * next_beta2 / beta2) * x + (step.next_alpha * jump_variance / beta2) * data +
          noise_scale * step_std * z;
      // QSM's sampler: the point itself back in the action box after every step.
      if (options_.clip_every_step) x.clamp_(-1.0, 1.0);
    } else {
      // Euler–Maruyama of the reverse SDE in y = x/α, a VE process with σ̃ = β/α and score
      // −ε̂/σ̃: y' = y + (σ̃² − σ̃'²) ∇log p + sqrt(σ̃² − σ̃'²) z, then x' = α' y'.
      const double sigma = step.beta / step.alpha, next_sigma = step.next_beta / step.next_alpha;
      const double variance_drop = std::max(sigma * sigma - next_sigma * next_sigma, 0.0);
      x = step.next_alpha * (x / step.alpha - (variance_drop / sigma) * noise_prediction +
                             noise_scale * std::sqrt(variance_drop) * z);
    }
  }
  if (options_.action_map == ActionMap::clip) x = x.clamp(-1.0, 1.0);
  return x;
}

torch::Tensor DiffusionPolicy::regression_target(const flow::PosteriorMean& posterior) const {
  return posterior.noise_mean.detach();
}

torch::Tensor DiffusionPolicy::regression_loss(const torch::Tensor& states,
                                               const torch::Tensor& x_t, const torch::Tensor& t,
                                               const torch::Tensor& noise_target) {
  const torch::Tensor output = network_output(states, x_t, t);
  if (options_.prediction == DiffusionPrediction::noise)
    return (output - noise_target).pow(2).mean();
  // §4 DQS: score target −μ̂0/β, weight β² + floor.
  const torch::Tensor beta = options_.schedule.beta(t);
  const torch::Tensor score_target = -noise_target / beta.unsqueeze(1);
  return ((beta * beta + options_.score_weight_floor) * (output - score_target).pow(2).mean(1))
      .mean();
}

torch::Tensor DiffusionPolicy::to_action(const torch::Tensor& x) const {
  return options_.action_map == ActionMap::tanh ? torch::tanh(x) : x.clamp(-1.0, 1.0);
}

}  // namespace rfm::agents
