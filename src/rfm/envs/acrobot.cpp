// Acrobot (docs/tasks.md 3.8): swing the tip of a two-link, elbow-actuated arm up to a target. RK4
// model, 1000 steps of 0.01 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kTimeLimit = 10.0;
constexpr double kMargin = 1.0;  // dense reward margin (the sparse variant uses 0)

class Acrobot : public MujocoTask {
 public:
  Acrobot(const std::string& name, const std::string& model_dir)
      : MujocoTask({name, "acrobot.xml", 0.0, kTimeLimit}, model_dir) {
    shoulder_qpos_ = m()->jnt_qposadr[physics().joint("shoulder")];
    elbow_qpos_ = m()->jnt_qposadr[physics().joint("elbow")];
    upper_arm_ = physics().body("upper_arm");
    lower_arm_ = physics().body("lower_arm");
    target_ = physics().site("target");
    tip_ = physics().site("tip");
    set_observation_size(4 + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.8: shoulder then elbow angle U(-pi, pi), zero velocity.
    d()->qpos[shoulder_qpos_] = rng.uniform(-kPi, kPi);
    d()->qpos[elbow_qpos_] = rng.uniform(-kPi, kPi);
  }

  void write_observation(double* out) const override {
    // docs/tasks.md 3.8: orientations (upper xz, lower xz, upper zz, lower zz), then qvel.
    const mjtNum* upper = physics_const().xmat(upper_arm_);
    const mjtNum* lower = physics_const().xmat(lower_arm_);
    out[0] = upper[2];
    out[1] = lower[2];
    out[2] = upper[8];
    out[3] = lower[8];
    for (int i = 0; i < m()->nv; ++i) out[4 + i] = d()->qvel[i];
  }

  double reward() const override {
    // docs/tasks.md 3.8: gaussian tolerance of the tip-target distance, 1 within the target radius.
    const mjtNum* target = d()->site_xpos + 3 * target_;
    const mjtNum* tip = d()->site_xpos + 3 * tip_;
    const double dx = target[0] - tip[0], dy = target[1] - tip[1], dz = target[2] - tip[2];
    const double distance = std::sqrt(dx * dx + dy * dy + dz * dz);
    const double radius = m()->site_size[3 * target_];
    return tolerance(distance, 0.0, radius, kMargin);
  }

 private:
  int shoulder_qpos_, elbow_qpos_, upper_arm_, lower_arm_, target_, tip_;
};
}  // namespace

void add_acrobot_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"acrobot-swingup", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Acrobot>("acrobot-swingup", dir);
                   }});
}

}  // namespace rfm::envs
