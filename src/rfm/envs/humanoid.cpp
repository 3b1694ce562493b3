// Humanoid (docs/tasks.md 3.5): stand, walk or run with a 21-hinge humanoid. Euler model, 1000
// steps of 0.025 s (5 physics steps of 0.005 s).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"
#include "rfm/util/error.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 25.0;
constexpr double kControlTimestep = 0.025;
constexpr double kStandHeight = 1.4;  // _STAND_HEIGHT
constexpr double kWalkSpeed = 1.0;    // _WALK_SPEED
constexpr double kRunSpeed = 10.0;    // _RUN_SPEED
// dm_control's rejection loop has no bound; this one only turns a hang into an error.
constexpr int kMaxInitialAttempts = 100000;
// Bodies whose positions in the torso frame form the `extremities` observation, in order.
constexpr const char* kExtremities[4] = {"left_hand", "left_foot", "right_hand", "right_foot"};

class Humanoid : public MujocoTask {
 public:
  // move_speed 0 is the stand task.
  Humanoid(const std::string& name, double move_speed, const std::string& model_dir)
      : MujocoTask({name, "humanoid.xml", kControlTimestep, kTimeLimit}, model_dir),
        move_speed_(move_speed) {
    const int root = physics().joint("root");
    if (m()->jnt_type[root] != mjJNT_FREE)
      throw Error(name + ": joint 'root' in '" + physics().path() + "' is not a free joint");
    // docs/tasks.md 3.5: joint angles are qpos after the free root's 7 coordinates (qpos[7:]).
    joint_angles_begin_ = m()->jnt_qposadr[root] + 7;
    torso_ = physics().body("torso");
    head_ = physics().body("head");
    for (int i = 0; i < 4; ++i) extremities_[i] = physics().body(kExtremities[i]);
    com_velocity_ = physics().sensor("torso_subtreelinvel");
    set_observation_size((m()->nq - joint_angles_begin_) + 1 + 12 + 3 + 3 + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.5: generic randomiser, then an actuation-free forward, until nothing touches.
    for (int attempt = 0;; ++attempt) {
      if (attempt >= kMaxInitialAttempts)
        throw Error(spec().name + ": no contact-free initial pose found in " +
                    std::to_string(kMaxInitialAttempts) + " attempts");
      randomize_limited_and_rotational_joints(rng);
      physics().forward_without_actuation();
      if (d()->ncon == 0) break;
    }
  }

  void write_observation(double* out) const override {
    const mjData* data = d();
    const mjtNum* torso_frame = physics_const().xmat(torso_);
    const mjtNum* torso_position = physics_const().xpos(torso_);
    // docs/tasks.md 3.5 (1): joint angles.
    for (int i = joint_angles_begin_; i < m()->nq; ++i) *out++ = data->qpos[i];
    // docs/tasks.md 3.5 (2): head height.
    *out++ = physics_const().xpos(head_)[2];
    // docs/tasks.md 3.5 (3): extremities, R_torso^T (p_limb - p_torso).
    for (int body : extremities_) {
      mjtNum offset[3];
      mju_sub3(offset, physics_const().xpos(body), torso_position);
      mju_mulMatTVec(out, torso_frame, offset, 3, 3);
      out += 3;
    }
    // docs/tasks.md 3.5 (4): torso vertical, row 2 of R_torso (zx, zy, zz).
    for (int k = 0; k < 3; ++k) *out++ = torso_frame[6 + k];
    // docs/tasks.md 3.5 (5): centre-of-mass velocity.
    const mjtNum* com_velocity = physics_const().sensor_data(com_velocity_);
    for (int k = 0; k < 3; ++k) *out++ = com_velocity[k];
    // docs/tasks.md 3.5 (6): all generalised velocities.
    for (int i = 0; i < m()->nv; ++i) *out++ = data->qvel[i];
  }

  double reward() const override {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    // docs/tasks.md 3.5: standing (head height) times upright (torso zz).
    const double standing =
        tolerance(physics_const().xpos(head_)[2], kStandHeight, kInf, kStandHeight / 4);
    const double upright =
        tolerance(physics_const().xmat(torso_)[8], 0.9, kInf, 1.9, Sigmoid::kLinear, 0.0);
    const double stand_reward = standing * upright;
    // docs/tasks.md 3.5: small control, (4 + mean q(u)) / 5.
    double control_sum = 0.0;
    for (int i = 0; i < m()->nu; ++i) control_sum += small_control_term(d()->ctrl[i]);
    const double small_control = (4.0 + control_sum / m()->nu) / 5.0;
    const mjtNum* com_velocity = physics_const().sensor_data(com_velocity_);
    if (move_speed_ == 0.0) {
      // docs/tasks.md 3.5 stand: dont_move, mean over the horizontal COM velocity components.
      const double dont_move =
          (tolerance(com_velocity[0], 0.0, 0.0, 2.0) + tolerance(com_velocity[1], 0.0, 0.0, 2.0)) /
          2.0;
      return small_control * stand_reward * dont_move;
    }
    // docs/tasks.md 3.5 walk/run: move, from the horizontal COM speed.
    const double speed =
        std::sqrt(com_velocity[0] * com_velocity[0] + com_velocity[1] * com_velocity[1]);
    double move = tolerance(speed, move_speed_, kInf, move_speed_, Sigmoid::kLinear, 0.0);
    move = (5.0 * move + 1.0) / 6.0;
    return small_control * stand_reward * move;
  }

 private:
  double move_speed_;
  int joint_angles_begin_ = 0;
  int torso_, head_, com_velocity_;
  int extremities_[4];
};
}  // namespace

void add_humanoid_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"humanoid-stand", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Humanoid>("humanoid-stand", 0.0, dir);
                   }});
  tasks.push_back({"humanoid-walk", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Humanoid>("humanoid-walk", kWalkSpeed, dir);
                   }});
  tasks.push_back({"humanoid-run", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Humanoid>("humanoid-run", kRunSpeed, dir);
                   }});
}

}  // namespace rfm::envs
