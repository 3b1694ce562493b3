// Pendulum (docs/tasks.md 3.10): swing a torque-limited pendulum up and hold it. Euler model,
// 1000 steps of 0.02 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kTimeLimit = 20.0;
constexpr double kAngleBound = 8.0;  // _ANGLE_BOUND, degrees from upright
const double kCosineBound = std::cos(kAngleBound * kPi / 180.0);  // _COSINE_BOUND

class Pendulum : public MujocoTask {
 public:
  Pendulum(const std::string& name, const std::string& model_dir)
      : MujocoTask({name, "pendulum.xml", 0.0, kTimeLimit}, model_dir) {
    const int hinge = physics().joint("hinge");
    hinge_qpos_ = m()->jnt_qposadr[hinge];
    hinge_dof_ = m()->jnt_dofadr[hinge];
    pole_ = physics().body("pole");
    set_observation_size(3);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.10: hinge angle U(-pi, pi), zero velocity.
    d()->qpos[hinge_qpos_] = rng.uniform(-kPi, kPi);
  }

  void write_observation(double* out) const override {
    // docs/tasks.md 3.10: orientation (zz, xz) of the pole, then the hinge velocity.
    const mjtNum* r = physics_const().xmat(pole_);
    out[0] = r[8];
    out[1] = r[2];
    out[2] = d()->qvel[hinge_dof_];
  }

  double reward() const override {
    // docs/tasks.md 3.10: 1 within 8 degrees of upright, else 0.
    return tolerance(physics_const().xmat(pole_)[8], kCosineBound, 1.0);
  }

 private:
  int hinge_qpos_, hinge_dof_, pole_;
};
}  // namespace

void add_pendulum_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"pendulum-swingup", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Pendulum>("pendulum-swingup", dir);
                   }});
}

}  // namespace rfm::envs
