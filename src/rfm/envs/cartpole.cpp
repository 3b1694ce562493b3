// Cartpole (docs/tasks.md 3.9): swing up or balance a pole on a cart. RK4 model,
// 1000 steps of 0.01 s.
#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kTimeLimit = 10.0;

class Cartpole : public MujocoTask {
 public:
  Cartpole(const std::string& name, bool swing_up, const std::string& model_dir)
      : MujocoTask({name, "cartpole.xml", 0.0, kTimeLimit}, model_dir), swing_up_(swing_up) {
    slider_ = physics().joint("slider");
    hinge_ = physics().joint("hinge_1");
    pole_ = physics().body("pole_1");
    set_observation_size(5);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    double* qpos = d()->qpos;
    const int slider = m()->jnt_qposadr[slider_], hinge = m()->jnt_qposadr[hinge_];
    if (swing_up_) {
      qpos[slider] = 0.01 * rng.normal();
      qpos[hinge] = kPi + 0.01 * rng.normal();
    } else {
      qpos[slider] = rng.uniform(-0.1, 0.1);
      qpos[hinge] = rng.uniform(-0.034, 0.034);
    }
    for (int i = 0; i < m()->nv; ++i) d()->qvel[i] = 0.01 * rng.normal();
  }

  void write_observation(double* out) const override {
    const mjtNum* pole = physics_const().xmat(pole_);
    // position: cart x, then the pole's (zz, xz); velocity: qvel.
    out[0] = d()->qpos[m()->jnt_qposadr[slider_]];
    out[1] = pole[8];
    out[2] = pole[2];
    out[3] = d()->qvel[0];
    out[4] = d()->qvel[1];
  }

  double reward() const override {
    const double cart_position = d()->qpos[m()->jnt_qposadr[slider_]];
    const double angular_velocity = d()->qvel[m()->jnt_dofadr[hinge_]];
    const double upright = (physics_const().xmat(pole_)[8] + 1.0) / 2.0;
    const double centered = (1.0 + tolerance(cart_position, 0.0, 0.0, 2.0)) / 2.0;
    const double small_control = (4.0 + small_control_term(d()->ctrl[0])) / 5.0;
    const double small_velocity = (1.0 + tolerance(angular_velocity, 0.0, 0.0, 5.0)) / 2.0;
    return upright * small_control * small_velocity * centered;
  }

 private:
  bool swing_up_;
  int slider_, hinge_, pole_;
};
}  // namespace

void add_cartpole_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"cartpole-swingup", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Cartpole>("cartpole-swingup", true, dir);
                   }});
  tasks.push_back({"cartpole-balance", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Cartpole>("cartpole-balance", false, dir);
                   }});
}

}  // namespace rfm::envs
