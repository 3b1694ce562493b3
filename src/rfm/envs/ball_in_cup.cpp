// Ball in cup (docs/tasks.md 3.11): swing a ball on a string into a cup moved by two slide motors.
// Sparse reward, 1000 steps of 0.02 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 20.0;
constexpr double kControlTimestep = 0.02;
constexpr double kBallXRange = 0.2;                  // ball_x ~ U(-0.2, 0.2)
constexpr double kBallZLow = 0.2, kBallZHigh = 0.5;  // ball_z ~ U(0.2, 0.5)

class BallInCup : public MujocoTask {
 public:
  BallInCup(const std::string& name, const std::string& model_dir)
      : MujocoTask({name, "ball_in_cup.xml", kControlTimestep, kTimeLimit}, model_dir) {
    ball_x_ = physics().joint("ball_x");
    ball_z_ = physics().joint("ball_z");
    ball_ = physics().body("ball");
    ball_geom_ = physics().geom("ball");
    target_ = physics().site("target");
    set_observation_size(m()->nq + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.11: redraw the ball's position until it touches nothing.
    do {
      d()->qpos[m()->jnt_qposadr[ball_x_]] = rng.uniform(-kBallXRange, kBallXRange);
      d()->qpos[m()->jnt_qposadr[ball_z_]] = rng.uniform(kBallZLow, kBallZHigh);
      physics().forward_without_actuation();
    } while (d()->ncon > 0);
  }

  void write_observation(double* out) const override {
    // position (qpos), velocity (qvel).
    for (int i = 0; i < m()->nq; ++i) *out++ = d()->qpos[i];
    for (int i = 0; i < m()->nv; ++i) *out++ = d()->qvel[i];
  }

  double reward() const override {
    // docs/tasks.md 3.11: the ball is strictly inside the target box, shrunk by the ball's
    // radius, in x and in z.
    const mjtNum* target = d()->site_xpos + 3 * target_;
    const mjtNum* ball = physics_const().xpos(ball_);
    const mjtNum* size = m()->site_size + 3 * target_;
    const double ball_radius = m()->geom_size[3 * ball_geom_];
    const bool inside_x = std::abs(target[0] - ball[0]) < size[0] - ball_radius;
    const bool inside_z = std::abs(target[2] - ball[2]) < size[2] - ball_radius;
    return inside_x && inside_z ? 1.0 : 0.0;
  }

 private:
  int ball_x_, ball_z_, ball_, ball_geom_, target_;
};
}  // namespace

void add_ball_in_cup_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"ball_in_cup-catch", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<BallInCup>("ball_in_cup-catch", dir);
                   }});
}

}  // namespace rfm::envs
