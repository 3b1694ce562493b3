// Fish (docs/tasks.md 3.12 and 5.1): a fish in a dense fluid swims its mouth into a target (swim)
// or keeps itself upright (upright). No gravity, 1000 steps of 0.04 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 40.0;
constexpr double kControlTimestep = 0.04;
constexpr double kJointAngleRange = 0.2;                 // initial fin and tail angles U(-0.2, 0.2)
constexpr double kTargetXY = 0.4;                        // target x, y ~ U(-0.4, 0.4)
constexpr double kTargetZLow = 0.1, kTargetZHigh = 0.3;  // target z ~ U(0.1, 0.3)
// The hinges in observation order (_JOINTS upstream).
constexpr const char* kJoints[] = {"tail1",         "tail_twist",     "tail2",
                                   "finright_roll", "finright_pitch", "finleft_roll",
                                   "finleft_pitch"};
constexpr int kNumJoints = 7;

class Fish : public MujocoTask {
 public:
  Fish(const std::string& name, bool swim, const std::string& model_dir)
      : MujocoTask({name, "fish.xml", kControlTimestep, kTimeLimit}, model_dir), swim_(swim) {
    const Physics& p = physics();
    root_ = p.joint("root");
    for (int i = 0; i < kNumJoints; ++i) joints_[i] = p.joint(kJoints[i]);
    torso_ = p.body("torso");
    mouth_ = p.geom("mouth");
    target_ = p.geom("target");
    set_observation_size(kNumJoints + 1 + (swim_ ? 3 : 0) + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    mjModel* model = physics().model();
    double* qpos = d()->qpos;
    // docs/tasks.md 3.12: root orientation from 4 normal draws, normalised; position unchanged.
    double quat[4];
    for (double& q : quat) q = rng.normal();
    mju_normalize4(quat);
    const int root = model->jnt_qposadr[root_];
    for (int k = 0; k < 4; ++k) qpos[root + 3 + k] = quat[k];
    // docs/tasks.md 3.12: each hinge U(-0.2, 0.2), in the listed order.
    for (const int joint : joints_)
      qpos[model->jnt_qposadr[joint]] = rng.uniform(-kJointAngleRange, kJointAngleRange);
    if (swim_) {
      // docs/tasks.md 3.12: target position x, y in U(-0.4, 0.4), z in U(0.1, 0.3).
      model->geom_pos[3 * target_ + 0] = rng.uniform(-kTargetXY, kTargetXY);
      model->geom_pos[3 * target_ + 1] = rng.uniform(-kTargetXY, kTargetXY);
      model->geom_pos[3 * target_ + 2] = rng.uniform(kTargetZLow, kTargetZHigh);
    } else {
      // docs/tasks.md 5.1: the target is only hidden (cosmetic).
      model->geom_rgba[4 * target_ + 3] = 0;
    }
  }

  void write_observation(double* out) const override {
    // joint_angles, upright, [target], velocity.
    for (int i = 0; i < kNumJoints; ++i) *out++ = d()->qpos[m()->jnt_qposadr[joints_[i]]];
    *out++ = upright();
    if (swim_) {
      mouth_to_target(out);
      out += 3;
    }
    for (int i = 0; i < m()->nv; ++i) *out++ = d()->qvel[i];
  }

  double reward() const override {
    if (!swim_) {
      // docs/tasks.md 5.1: gaussian tolerance of R_torso.zz around 1 with margin 1.
      return tolerance(upright(), 1.0, 1.0, 1.0);
    }
    // docs/tasks.md 3.12: in_target with radius mouth + target, margin twice
    // that; plus uprightness.
    double to_target[3];
    mouth_to_target(to_target);
    const double radii = m()->geom_size[3 * mouth_] + m()->geom_size[3 * target_];
    const double in_target = tolerance(mju_norm3(to_target), 0.0, radii, 2.0 * radii);
    const double is_upright = (upright() + 1.0) / 2.0;
    return (7.0 * in_target + is_upright) / 8.0;
  }

 private:
  double upright() const { return physics_const().xmat(torso_)[8]; }

  // The target relative to the mouth, in the mouth geom's frame: G_mouth^T (target - mouth).
  void mouth_to_target(double* out) const {
    double global[3];
    mju_sub3(global, d()->geom_xpos + 3 * target_, d()->geom_xpos + 3 * mouth_);
    mju_mulMatTVec(out, d()->geom_xmat + 9 * mouth_, global, 3, 3);
  }

  bool swim_;
  int root_, torso_, mouth_, target_;
  int joints_[kNumJoints];
};
}  // namespace

void add_fish_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"fish-swim", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Fish>("fish-swim", true, dir);
                   }});
  tasks.push_back({"fish-upright", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Fish>("fish-upright", false, dir);
                   }});
}

}  // namespace rfm::envs
