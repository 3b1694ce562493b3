// Point mass (docs/tasks.md 5.3): drive a planar point mass onto a target at the centre, with a
// small control penalty. Contacts off, 1000 steps of 0.02 s.
#include <cmath>

#include "rfm/envs/domains.h"
#include "rfm/envs/mujoco_task.h"
#include "rfm/envs/tolerance.h"

namespace rfm::envs {

namespace {
constexpr double kTimeLimit = 20.0;

class PointMass : public MujocoTask {
 public:
  PointMass(const std::string& name, const std::string& model_dir)
      : MujocoTask({name, "point_mass.xml", 0.0, kTimeLimit}, model_dir) {
    target_ = physics().geom("target");
    pointmass_ = physics().geom("pointmass");
    set_observation_size(m()->nq + m()->nv);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 5.3: generic joint randomiser over the two limited slides
    // (easy keeps the gains).
    randomize_limited_and_rotational_joints(rng);
  }

  void write_observation(double* out) const override {
    // position (qpos), velocity (qvel).
    for (int i = 0; i < m()->nq; ++i) *out++ = d()->qpos[i];
    for (int i = 0; i < m()->nv; ++i) *out++ = d()->qvel[i];
  }

  double reward() const override {
    // docs/tasks.md 5.3: near the target (gaussian, margin = target radius) times small control.
    double to_target[3];
    mju_sub3(to_target, d()->geom_xpos + 3 * target_, d()->geom_xpos + 3 * pointmass_);
    const double target_size = m()->geom_size[3 * target_];
    const double near = tolerance(mju_norm3(to_target), 0.0, target_size, target_size);
    double control = 0;
    for (int i = 0; i < m()->nu; ++i) control += small_control_term(d()->ctrl[i]);
    const double small_control = (4.0 + control / m()->nu) / 5.0;
    return near * small_control;
  }

 private:
  int target_, pointmass_;
};
}  // namespace

void add_point_mass_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"point_mass-easy", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<PointMass>("point_mass-easy", dir);
                   }});
}

}  // namespace rfm::envs
