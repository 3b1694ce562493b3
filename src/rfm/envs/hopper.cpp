// Hopper (docs/tasks.md 3.3): stand or hop forward with a planar one-legged robot. Euler model,
// 1000 steps of 0.02 s (4 physics steps of 0.005 s each).
#include <cmath>
#include <limits>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 20.0;
constexpr double kControlTimestep = 0.02;
constexpr double kStandHeight = 0.6;  // _STAND_HEIGHT, m between torso and foot centres of mass
constexpr double kMaxHeight = 2.0;    // upper bound of the standing interval
constexpr double kHopSpeed = 2.0;     // _HOP_SPEED, m/s
constexpr double kInf = std::numeric_limits<double>::infinity();

class Hopper : public MujocoTask {
 public:
  Hopper(const std::string& name, bool hopping, const std::string& model_dir)
      : MujocoTask({name, "hopper.xml", kControlTimestep, kTimeLimit}, model_dir),
        hopping_(hopping) {
    rootx_qpos_ = m()->jnt_qposadr[physics().joint("rootx")];
    torso_ = physics().body("torso");
    foot_ = physics().body("foot");
    com_velocity_ = physics().sensor("torso_subtreelinvel");
    touch_toe_ = physics().sensor("touch_toe");
    touch_heel_ = physics().sensor("touch_heel");
    set_observation_size(m()->nq - 1 + m()->nv + 2);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.3: generic randomiser (leg hinges U(range), rooty U(-pi,
    // pi)); no collision check.
    randomize_limited_and_rotational_joints(rng);
  }

  void write_observation(double* out) const override {
    // docs/tasks.md 3.3: position = qpos without rootx (6), velocity = qvel
    // (7), log(1 + touch) (2).
    for (int i = 0; i < m()->nq; ++i)
      if (i != rootx_qpos_) *out++ = d()->qpos[i];
    for (int i = 0; i < m()->nv; ++i) *out++ = d()->qvel[i];
    *out++ = std::log1p(physics_const().sensor_data(touch_toe_)[0]);
    *out++ = std::log1p(physics_const().sensor_data(touch_heel_)[0]);
  }

  double reward() const override {
    // docs/tasks.md 3.3: standing indicator on the torso-foot centre-of-mass height difference,
    // times the hop speed ramp (hop) or the small-control term (stand).
    const double height = d()->xipos[3 * torso_ + 2] - d()->xipos[3 * foot_ + 2];
    const double standing = tolerance(height, kStandHeight, kMaxHeight);
    if (hopping_) {
      const double speed = physics_const().sensor_data(com_velocity_)[0];
      return standing * tolerance(speed, kHopSpeed, kInf, kHopSpeed / 2, Sigmoid::kLinear, 0.5);
    }
    double control = 0.0;
    for (int i = 0; i < m()->nu; ++i) control += small_control_term(d()->ctrl[i]);
    const double small_control = (4.0 + control / m()->nu) / 5.0;
    return standing * small_control;
  }

 private:
  bool hopping_;
  int rootx_qpos_, torso_, foot_, com_velocity_, touch_toe_, touch_heel_;
};
}  // namespace

void add_hopper_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"hopper-stand", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Hopper>("hopper-stand", false, dir);
                   }});
  tasks.push_back({"hopper-hop", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Hopper>("hopper-hop", true, dir);
                   }});
}

}  // namespace rfm::envs
