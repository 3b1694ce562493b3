// Cheetah (docs/tasks.md 3.1): run forward with a planar half-cheetah. Euler model,
// 1000 steps of 0.01 s.
#include <limits>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 10.0;
constexpr double kRunSpeed = 10.0;  // _RUN_SPEED, m/s
constexpr int kSettleSteps = 200;   // physics steps with zero control after randomisation
constexpr double kInf = std::numeric_limits<double>::infinity();

class Cheetah : public MujocoTask {
 public:
  Cheetah(const std::string& name, const std::string& model_dir)
      : MujocoTask({name, "cheetah.xml", 0.0, kTimeLimit}, model_dir) {
    rootx_qpos_ = m()->jnt_qposadr[physics().joint("rootx")];
    com_velocity_ = physics().sensor("torso_subtreelinvel");
    set_observation_size(m()->nq - 1 + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.1: every limited joint (the six leg hinges) U(range), in joint id order.
    for (int j = 0; j < m()->njnt; ++j) {
      if (!m()->jnt_limited[j]) continue;
      d()->qpos[m()->jnt_qposadr[j]] =
          rng.uniform(m()->jnt_range[2 * j], m()->jnt_range[2 * j + 1]);
    }
    // docs/tasks.md 3.1: settle for 200 physics steps with zero control (legacy
    // order), then time 0.
    advance_physics(kSettleSteps);
    d()->time = 0.0;
  }

  void write_observation(double* out) const override {
    // docs/tasks.md 3.1: position = qpos without rootx (8), velocity = qvel (9).
    for (int i = 0; i < m()->nq; ++i)
      if (i != rootx_qpos_) *out++ = d()->qpos[i];
    for (int i = 0; i < m()->nv; ++i) *out++ = d()->qvel[i];
  }

  double reward() const override {
    // docs/tasks.md 3.1: linear ramp of the centre-of-mass forward speed, 1 at 10 m/s and beyond.
    const double speed = physics_const().sensor_data(com_velocity_)[0];
    return tolerance(speed, kRunSpeed, kInf, kRunSpeed, Sigmoid::kLinear, 0.0);
  }

 private:
  int rootx_qpos_, com_velocity_;
};
}  // namespace

void add_cheetah_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"cheetah-run", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Cheetah>("cheetah-run", dir);
                   }});
}

}  // namespace rfm::envs
