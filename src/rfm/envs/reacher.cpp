// Reacher (docs/tasks.md 3.7): a two-link planar arm puts its fingertip on a target (easy: large
// target, hard: small target). Contacts off, 1000 steps of 0.02 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kTimeLimit = 20.0;
constexpr double kBigTarget = 0.05;     // _BIG_TARGET (easy)
constexpr double kSmallTarget = 0.015;  // _SMALL_TARGET (hard)
constexpr double kMinTargetRadius = 0.05, kMaxTargetRadius = 0.20;

class Reacher : public MujocoTask {
 public:
  Reacher(const std::string& name, double target_size, const std::string& model_dir)
      : MujocoTask({name, "reacher.xml", 0.0, kTimeLimit}, model_dir), target_size_(target_size) {
    target_ = physics().geom("target");
    finger_ = physics().geom("finger");
    set_observation_size(2 * m()->nq + 2);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    mjModel* model = physics().model();
    // docs/tasks.md 3.7: target radius, generic joint randomiser, then the target's polar position.
    model->geom_size[3 * target_] = target_size_;
    randomize_limited_and_rotational_joints(rng);
    const double angle = rng.uniform(0.0, 2.0 * kPi);
    const double radius = rng.uniform(kMinTargetRadius, kMaxTargetRadius);
    model->geom_pos[3 * target_ + 0] = radius * std::sin(angle);
    model->geom_pos[3 * target_ + 1] = radius * std::cos(angle);
  }

  void write_observation(double* out) const override {
    // position (qpos), to_target (world x, y), velocity (qvel).
    const int nq = m()->nq, nv = m()->nv;
    for (int i = 0; i < nq; ++i) *out++ = d()->qpos[i];
    const mjtNum* target = d()->geom_xpos + 3 * target_;
    const mjtNum* finger = d()->geom_xpos + 3 * finger_;
    *out++ = target[0] - finger[0];
    *out++ = target[1] - finger[1];
    for (int i = 0; i < nv; ++i) *out++ = d()->qvel[i];
  }

  double reward() const override {
    // docs/tasks.md 3.7: indicator of planar distance <= target radius + finger radius.
    const mjtNum* target = d()->geom_xpos + 3 * target_;
    const mjtNum* finger = d()->geom_xpos + 3 * finger_;
    const double distance = std::hypot(target[0] - finger[0], target[1] - finger[1]);
    const double radii = m()->geom_size[3 * target_] + m()->geom_size[3 * finger_];
    return tolerance(distance, 0.0, radii);
  }

 private:
  double target_size_;
  int target_, finger_;
};
}  // namespace

void add_reacher_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"reacher-easy", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Reacher>("reacher-easy", kBigTarget, dir);
                   }});
  tasks.push_back({"reacher-hard", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Reacher>("reacher-hard", kSmallTarget, dir);
                   }});
}

}  // namespace rfm::envs
