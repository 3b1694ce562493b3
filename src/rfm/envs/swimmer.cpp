// Swimmer (docs/tasks.md 3.13): a six-link planar swimmer in a viscous fluid brings its nose to a
// target. Contacts off, 1000 steps of 0.03 s.
#include <cmath>
#include <string>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 30.0;
constexpr double kControlTimestep = 0.03;
constexpr int kLinks = 6;            // head + 5 segments (swimmer6)
constexpr int kJoints = kLinks - 1;  // joint_0 .. joint_4
constexpr double kCloseTargetProbability = 0.2;
constexpr double kCloseTargetBox = 0.3, kFarTargetBox = 2.0;
constexpr double kMarginInTargetSizes = 5.0;  // reward margin = 5 x target radius

class Swimmer : public MujocoTask {
 public:
  Swimmer(const std::string& name, const std::string& model_dir)
      : MujocoTask({name, "swimmer6.xml", kControlTimestep, kTimeLimit}, model_dir) {
    const Physics& p = physics();
    head_ = p.body("head");
    nose_ = p.geom("nose");
    target_ = p.geom("target");
    target_light_ = p.id(mjOBJ_LIGHT, "target_light");
    velocimeters_[0] = p.sensor("head_vel");
    gyros_[0] = p.sensor("head_gyro");
    for (int i = 0; i < kJoints; ++i) {
      const std::string index = std::to_string(i);
      joints_[i] = p.joint(("joint_" + index).c_str());
      velocimeters_[i + 1] = p.sensor(("velocimeter_" + index).c_str());
      gyros_[i + 1] = p.sensor(("gyro_" + index).c_str());
    }
    set_observation_size(kJoints + 2 + 3 * kLinks);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    mjModel* model = physics().model();
    // docs/tasks.md 3.13: generic randomiser (rootz and the five hinges).
    randomize_limited_and_rotational_joints(rng);
    // docs/tasks.md 3.13: a close target with probability 0.2, else anywhere in a 4 x 4 box.
    const bool close = rng.uniform() < kCloseTargetProbability;
    const double box = close ? kCloseTargetBox : kFarTargetBox;
    const double x = rng.uniform(-box, box);
    const double y = rng.uniform(-box, box);
    model->geom_pos[3 * target_ + 0] = x;
    model->geom_pos[3 * target_ + 1] = y;
    model->light_pos[3 * target_light_ + 0] = x;
    model->light_pos[3 * target_light_ + 1] = y;
  }

  void write_observation(double* out) const override {
    // joints: the five segment hinge angles.
    for (int i = 0; i < kJoints; ++i) *out++ = d()->qpos[m()->jnt_qposadr[joints_[i]]];
    // to_target: nose to target in the head frame, x and y.
    double to_target[3];
    nose_to_target(to_target);
    *out++ = to_target[0];
    *out++ = to_target[1];
    // body_velocities: local (vx, vy, wz) of the head and each segment.
    const Physics& p = physics_const();
    for (int i = 0; i < kLinks; ++i) {
      const mjtNum* velocity = p.sensor_data(velocimeters_[i]);
      *out++ = velocity[0];
      *out++ = velocity[1];
      *out++ = p.sensor_data(gyros_[i])[2];
    }
  }

  double reward() const override {
    // docs/tasks.md 3.13: long-tail tolerance of the planar nose-target distance.
    double to_target[3];
    nose_to_target(to_target);
    const double distance = std::sqrt(to_target[0] * to_target[0] + to_target[1] * to_target[1]);
    const double target_size = m()->geom_size[3 * target_];
    return tolerance(distance, 0.0, target_size, kMarginInTargetSizes * target_size,
                     Sigmoid::kLongTail);
  }

 private:
  // R_head^T (target - nose), all three components.
  void nose_to_target(double* out) const {
    double global[3];
    mju_sub3(global, d()->geom_xpos + 3 * target_, d()->geom_xpos + 3 * nose_);
    mju_mulMatTVec(out, physics_const().xmat(head_), global, 3, 3);
  }

  int head_, nose_, target_, target_light_;
  int joints_[kJoints];
  int velocimeters_[kLinks], gyros_[kLinks];
};
}  // namespace

void add_swimmer_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"swimmer-swimmer6", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Swimmer>("swimmer-swimmer6", dir);
                   }});
}

}  // namespace rfm::envs
