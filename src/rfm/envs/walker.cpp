// Walker (docs/tasks.md 3.2): stand, walk or run with a planar biped. Euler model, 1000 steps of
// 0.025 s (10 physics steps of 0.0025 s each).
#include <limits>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 25.0;
constexpr double kControlTimestep = 0.025;
constexpr double kStandHeight = 1.2;  // _STAND_HEIGHT
constexpr double kWalkSpeed = 1.0;    // _WALK_SPEED
constexpr double kRunSpeed = 8.0;     // _RUN_SPEED
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kNumBodies = 7;
// The bodies whose orientations are observed, in body id order.
constexpr const char* kBodyNames[kNumBodies] = {
    "torso", "right_thigh", "right_leg", "right_foot", "left_thigh", "left_leg", "left_foot"};

class Walker : public MujocoTask {
 public:
  // move_speed 0 is the stand task.
  Walker(const std::string& name, double move_speed, const std::string& model_dir)
      : MujocoTask({name, "walker.xml", kControlTimestep, kTimeLimit}, model_dir),
        move_speed_(move_speed) {
    for (int i = 0; i < kNumBodies; ++i) bodies_[i] = physics().body(kBodyNames[i]);
    torso_ = bodies_[0];
    com_velocity_ = physics().sensor("torso_subtreelinvel");
    set_observation_size(2 * kNumBodies + 1 + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.2: generic randomiser (leg hinges U(range), rooty U(-pi, pi)); no settling.
    randomize_limited_and_rotational_joints(rng);
  }

  void write_observation(double* out) const override {
    // docs/tasks.md 3.2: orientations (xx, xz) per body, torso height, qvel.
    for (int i = 0; i < kNumBodies; ++i) {
      const mjtNum* r = physics_const().xmat(bodies_[i]);
      *out++ = r[0];
      *out++ = r[2];
    }
    *out++ = physics_const().xpos(torso_)[2];
    for (int i = 0; i < m()->nv; ++i) *out++ = d()->qvel[i];
  }

  double reward() const override {
    // docs/tasks.md 3.2: stand = (3 standing + upright) / 4, times the move term for walk and run.
    const double height = physics_const().xpos(torso_)[2];
    const double standing = tolerance(height, kStandHeight, kInf, kStandHeight / 2);
    const double upright = (1.0 + physics_const().xmat(torso_)[8]) / 2.0;
    const double stand = (3.0 * standing + upright) / 4.0;
    if (move_speed_ == 0.0) return stand;
    const double speed = physics_const().sensor_data(com_velocity_)[0];
    const double move = tolerance(speed, move_speed_, kInf, move_speed_ / 2, Sigmoid::kLinear, 0.5);
    return stand * (5.0 * move + 1.0) / 6.0;
  }

 private:
  double move_speed_;
  int bodies_[kNumBodies];
  int torso_, com_velocity_;
};

void add(std::vector<TaskEntry>& tasks, const std::string& name, double move_speed) {
  tasks.push_back({name, [name, move_speed](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Walker>(name, move_speed, dir);
                   }});
}
}  // namespace

void add_walker_tasks(std::vector<TaskEntry>& tasks) {
  add(tasks, "walker-stand", 0.0);
  add(tasks, "walker-walk", kWalkSpeed);
  add(tasks, "walker-run", kRunSpeed);
}

}  // namespace rfm::envs
