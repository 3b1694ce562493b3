// bandit-bimodal: a one-step task with a known Boltzmann policy, for learning tests.
// One constant state (observation [1]); a 2-D action a in [-1, 1]^2; the episode ends after one
// step (terminal). Reward, a smooth "soft or" of two Gaussian bumps of unequal height:
//   g1 = exp(-|a - (0.5, 0.5)|^2 / (2 * 0.25^2)),   g2 = exp(-|a + (0.5, 0.5)|^2 / (2 * 0.25^2))
//   r(a) = g1 + 0.8 g2 - 0.8 g1 g2                   (in [0, 1]; modes of height 1 and 0.8)
#include "rfm/envs/bandit.h"

#include <algorithm>
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/util/error.h"

namespace rfm::envs {

double bandit_bimodal_reward(double a0, double a1) {
  const double inv_two_var = 1.0 / (2.0 * kBanditModeWidth * kBanditModeWidth);
  const double d1 = (a0 - kBanditModeCenter) * (a0 - kBanditModeCenter) +
                    (a1 - kBanditModeCenter) * (a1 - kBanditModeCenter);
  const double d2 = (a0 + kBanditModeCenter) * (a0 + kBanditModeCenter) +
                    (a1 + kBanditModeCenter) * (a1 + kBanditModeCenter);
  const double g1 = std::exp(-d1 * inv_two_var);
  const double g2 = std::exp(-d2 * inv_two_var);
  return g1 + kBanditSecondModeHeight * g2 - kBanditSecondModeHeight * g1 * g2;
}

namespace {
class BanditBimodal : public Env {
 public:
  BanditBimodal() {
    spec_.name = "bandit-bimodal";
    spec_.observation_size = 1;
    spec_.action_size = 2;
    spec_.action_lower = {-1.0, -1.0};
    spec_.action_upper = {1.0, 1.0};
    spec_.control_timestep = 1.0;
    spec_.episode_steps = 1;
  }
  const TaskSpec& spec() const override { return spec_; }
  void seed(std::uint64_t) override {}  // deterministic: nothing to draw
  void reset(std::vector<double>& observation) override {
    observation.assign(1, 1.0);
    done_ = false;
  }
  StepOutcome step(const std::vector<double>& action, std::vector<double>& observation) override {
    validate_action(spec_, action);
    if (done_) throw Error("bandit-bimodal: step called after the episode ended; call reset first");
    done_ = true;
    observation.assign(1, 1.0);
    // Actions outside the box are clipped to it before the reward, like a bounded actuator.
    const double a0 = std::clamp(action[0], -1.0, 1.0), a1 = std::clamp(action[1], -1.0, 1.0);
    StepOutcome outcome;
    outcome.reward = bandit_bimodal_reward(a0, a1);
    outcome.terminal = true;
    return outcome;
  }
  using Env::reset;

 private:
  TaskSpec spec_;
  bool done_ = false;
};
}  // namespace

void add_bandit_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"bandit-bimodal", [](const std::string&) -> std::unique_ptr<Env> {
                     return std::make_unique<BanditBimodal>();
                   }});
}

}  // namespace rfm::envs
