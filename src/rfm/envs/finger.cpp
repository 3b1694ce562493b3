// Finger (docs/tasks.md 3.6 and 5.2): a planar two-link finger spins a hinged body (spin) or turns
// its tip into a target (turn_easy, turn_hard). No gravity, 1000 steps of 0.02 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/util/error.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kTimeLimit = 20.0;
constexpr double kControlTimestep = 0.02;
constexpr double kEasyTargetSize = 0.07;    // _EASY_TARGET_SIZE
constexpr double kHardTargetSize = 0.03;    // _HARD_TARGET_SIZE
constexpr double kSpinVelocity = 15.0;      // _SPIN_VELOCITY, rad/s
constexpr double kSpinHingeDamping = 0.03;  // the spin task's damping of the spinner hinge
constexpr int kMaxRandomisationAttempts = 1000;

class Finger : public MujocoTask {
 public:
  // target_size <= 0 selects the spin task; otherwise a turn task with that target radius.
  Finger(const std::string& name, double target_size, const std::string& model_dir)
      : MujocoTask({name, "finger.xml", kControlTimestep, kTimeLimit}, model_dir),
        turn_(target_size > 0),
        target_size_(target_size) {
    const Physics& p = physics();
    hinge_ = p.joint("hinge");
    cap1_ = p.geom("cap1");
    target_site_ = p.site("target");
    tip_site_ = p.site("tip");
    proximal_pos_ = p.sensor("proximal");
    distal_pos_ = p.sensor("distal");
    proximal_vel_ = p.sensor("proximal_velocity");
    distal_vel_ = p.sensor("distal_velocity");
    hinge_vel_ = p.sensor("hinge_velocity");
    tip_ = p.sensor("tip");
    target_ = p.sensor("target");
    spinner_ = p.sensor("spinner");
    touch_top_ = p.sensor("touchtop");
    touch_bottom_ = p.sensor("touchbottom");
    set_observation_size(turn_ ? 12 : 9);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    mjModel* model = physics().model();
    if (turn_) {
      // docs/tasks.md 3.6 turn: target on the circle the spinner tip sweeps, at angle U(-pi, pi).
      const double angle = rng.uniform(-kPi, kPi);
      const mjtNum* anchor = d()->xanchor + 3 * hinge_;
      const mjtNum* cap = model->geom_size + 3 * cap1_;
      const double radius = cap[0] + cap[1] + cap[2];
      model->site_pos[3 * target_site_ + 0] = anchor[0] + radius * std::sin(angle);
      model->site_pos[3 * target_site_ + 2] = anchor[2] + radius * std::cos(angle);
      model->site_size[3 * target_site_] = target_size_;
    } else {
      // docs/tasks.md 3.6 spin: hide target and tip (cosmetic), lower the spinner's damping.
      model->site_rgba[4 * target_site_ + 3] = 0;
      model->site_rgba[4 * tip_site_ + 3] = 0;
      model->dof_damping[model->jnt_dofadr[hinge_]] = kSpinHingeDamping;
    }
    // docs/tasks.md 3.6: collision-free randomisation of all joints, up to 1000 attempts.
    for (int attempt = 0; attempt < kMaxRandomisationAttempts; ++attempt) {
      randomize_limited_and_rotational_joints(rng);
      physics().forward_without_actuation();
      if (d()->ncon == 0) return;
    }
    throw Error(spec().name + ": no collision-free initial state found in 1000 attempts");
  }

  void write_observation(double* out) const override {
    const Physics& p = physics_const();
    const mjtNum* tip = p.sensor_data(tip_);
    const mjtNum* spinner = p.sensor_data(spinner_);
    // position: joint angles, then the tip relative to the spinner in the x-z plane.
    out[0] = p.sensor_data(proximal_pos_)[0];
    out[1] = p.sensor_data(distal_pos_)[0];
    out[2] = tip[0] - spinner[0];
    out[3] = tip[2] - spinner[2];
    // velocity: the three joint velocity sensors.
    out[4] = p.sensor_data(proximal_vel_)[0];
    out[5] = p.sensor_data(distal_vel_)[0];
    out[6] = p.sensor_data(hinge_vel_)[0];
    // touch: log(1 + s).
    out[7] = std::log1p(p.sensor_data(touch_top_)[0]);
    out[8] = std::log1p(p.sensor_data(touch_bottom_)[0]);
    if (!turn_) return;
    // target_position, then dist_to_target.
    const mjtNum* target = p.sensor_data(target_);
    out[9] = target[0] - spinner[0];
    out[10] = target[2] - spinner[2];
    out[11] = distance_to_target();
  }

  double reward() const override {
    if (turn_) return distance_to_target() <= 0 ? 1.0 : 0.0;
    return physics_const().sensor_data(hinge_vel_)[0] <= -kSpinVelocity ? 1.0 : 0.0;
  }

 private:
  // |target - tip| in the x-z plane minus the target radius.
  double distance_to_target() const {
    const Physics& p = physics_const();
    const mjtNum* tip = p.sensor_data(tip_);
    const mjtNum* target = p.sensor_data(target_);
    const double dx = target[0] - tip[0], dz = target[2] - tip[2];
    return std::sqrt(dx * dx + dz * dz) - m()->site_size[3 * target_site_];
  }

  bool turn_;
  double target_size_;
  int hinge_, cap1_, target_site_, tip_site_;
  int proximal_pos_, distal_pos_, proximal_vel_, distal_vel_, hinge_vel_;
  int tip_, target_, spinner_, touch_top_, touch_bottom_;
};
}  // namespace

void add_finger_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"finger-spin", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Finger>("finger-spin", 0.0, dir);
                   }});
  tasks.push_back({"finger-turn_easy", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Finger>("finger-turn_easy", kEasyTargetSize, dir);
                   }});
  tasks.push_back({"finger-turn_hard", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Finger>("finger-turn_hard", kHardTargetSize, dir);
                   }});
}

}  // namespace rfm::envs
