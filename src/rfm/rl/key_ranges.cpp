// The range of every numeric key of the shipped presets (configs/*.toml). Config checks a value
// against its range when the value is read and, for a whole config, before a run is built
// (Config::check_ranges), so sizes beyond memory or values that would hang are refused before
// anything is allocated. Presets test that every numeric preset key has a range here and that
// each preset's values lie in it.
#include <array>
#include <string>

#include "rfm/rl/config.h"

namespace rfm::rl {

namespace {
constexpr double kForever = 1e12;  // step counts: far beyond any run, yet exactly representable
constexpr std::array kRanges = {
    // a run's seed (config.toml's [run] table)
    std::pair{"run.seed", KeyRange{0, static_cast<double>(kMaxSeed)}},
    // trainer (docs/algorithms.md §3); sizes bounded by what one machine's memory holds
    std::pair{"trainer.total_steps", KeyRange{1, kForever}},
    std::pair{"trainer.warmup_steps", KeyRange{0, kForever}},
    std::pair{"trainer.batch_size", KeyRange{1, 65536}},
    std::pair{"trainer.updates_per_step", KeyRange{0, 1000}},
    std::pair{"trainer.replay_size", KeyRange{1, 1e9}},
    std::pair{"trainer.eval_every", KeyRange{1, kForever}},
    std::pair{"trainer.eval_episodes", KeyRange{1, 10000}},
    std::pair{"trainer.checkpoint_every", KeyRange{1, kForever}},
    std::pair{"trainer.log_every", KeyRange{1, kForever}},
    std::pair{"trainer.discount", KeyRange{0, 1}},
    std::pair{"trainer.polyak_tau", KeyRange{0, 1}},
    std::pair{"trainer.critic_learning_rate", KeyRange{0, 1}},
    std::pair{"trainer.actor_learning_rate", KeyRange{0, 1}},
    std::pair{"trainer.grad_norm_clip", KeyRange{0, 1e9}},
    // network sizes (every agent; embedding only for the flow and diffusion policies)
    std::pair{"network.hidden", KeyRange{1, 16384}},
    std::pair{"network.residual_blocks", KeyRange{0, 64}},
    std::pair{"network.embedding", KeyRange{4, 4096}},
    std::pair{"network.critic_hidden", KeyRange{1, 16384}},
    std::pair{"network.critic_layers", KeyRange{1, 64}},
    // RFM on a flow policy and on diffusion policies (rfm, rfm-vp, rfm-ve)
    std::pair{"rfm.temperature", KeyRange{1e-6, 1e6}},
    std::pair{"rfm.mc_samples", KeyRange{1, 100000}},
    std::pair{"rfm.particles", KeyRange{1, 100000}},
    std::pair{"rfm.ode_steps", KeyRange{1, 10000}},
    std::pair{"rfm.t_min", KeyRange{0, 0.49}},
    std::pair{"rfm.ridge", KeyRange{0, 1e6}},
    std::pair{"rfm.coefficient_clip", KeyRange{0, 1e6}},
    // SAC
    std::pair{"sac.initial_temperature", KeyRange{1e-8, 1e8}},
    std::pair{"sac.temperature_learning_rate", KeyRange{0, 1}},
    std::pair{"sac.target_entropy_per_dimension", KeyRange{-100, 100}},
    std::pair{"sac.log_std_min", KeyRange{-100, 100}},
    std::pair{"sac.log_std_max", KeyRange{-100, 100}},
    // diffusion policies (QSM, QNE, DQS, rfm-vp, rfm-ve)
    std::pair{"diffusion.steps", KeyRange{1, 10000}},
    std::pair{"diffusion.t_min", KeyRange{1e-6, 0.49}},
    std::pair{"diffusion.data_clip", KeyRange{0, 1e6}},
    std::pair{"diffusion.score_weight_floor", KeyRange{0, 1e6}},
    std::pair{"diffusion.vp_beta_max", KeyRange{0.1, 1e3}},
    // QSM
    std::pair{"qsm.temperature", KeyRange{1e-6, 1e6}},
    std::pair{"qsm.q_grad_scale", KeyRange{0, 1e6}},
    std::pair{"qsm.target_action_noise", KeyRange{0, 10}},
    std::pair{"qsm.exploration_noise", KeyRange{0, 10}},
    // QNE
    std::pair{"qne.temperature", KeyRange{1e-6, 1e6}},
    std::pair{"qne.candidates", KeyRange{1, 100000}},
    std::pair{"qne.eval_candidates", KeyRange{1, 100000}},
    std::pair{"qne.log_prob_samples", KeyRange{1, 10000}},
    std::pair{"qne.log_prob_steps", KeyRange{1, 10000}},
    // DQS
    std::pair{"dqs.temperature", KeyRange{1e-6, 1e6}},
    std::pair{"dqs.mc_samples", KeyRange{1, 100000}},
};
}  // namespace

const KeyRange* key_range(const std::string& key) {
  for (const auto& [name, range] : kRanges)
    if (key == name) return &range;
  return nullptr;
}

}  // namespace rfm::rl
