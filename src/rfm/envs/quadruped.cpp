// Quadruped (docs/tasks.md 3.4): walk or run forward with a four-legged body on flat ground. Euler
// model, 1000 steps of 0.02 s (4 physics steps of 0.005 s). Position-servo actuators with
// filtered activations, so the activations are part of the observation.
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
constexpr double kTimeLimit = 20.0;
constexpr double kControlTimestep = 0.02;
constexpr double kWalkSpeed = 0.5;  // _WALK_SPEED
constexpr double kRunSpeed = 5.0;   // _RUN_SPEED
// The contact-free height search: start in the floor, move up 1 cm per attempt.
constexpr double kHeightStep = 0.01;
constexpr int kMaxHeightAttempts = 10000;

class Quadruped : public MujocoTask {
 public:
  Quadruped(const std::string& name, const std::string& model_file, double desired_speed,
            const std::string& model_dir)
      : MujocoTask({name, model_file, kControlTimestep, kTimeLimit}, model_dir),
        desired_speed_(desired_speed) {
    root_ = physics().joint("root");
    torso_ = physics().body("torso");
    velocimeter_ = physics().sensor("velocimeter");
    // docs/tasks.md 3.4: egocentric state uses every hinge, in joint id order.
    for (int j = 0; j < m()->njnt; ++j) {
      if (m()->jnt_type[j] != mjJNT_HINGE) continue;
      hinge_qpos_.push_back(m()->jnt_qposadr[j]);
      hinge_dof_.push_back(m()->jnt_dofadr[j]);
    }
    // docs/tasks.md 3.4: imu = accelerometer and gyro sensors, force_torque = force and torque
    // sensors, each group in sensor id order.
    for (int s = 0; s < m()->nsensor; ++s) {
      const int type = m()->sensor_type[s];
      if (type == mjSENS_ACCELEROMETER || type == mjSENS_GYRO) imu_sensors_.push_back(s);
      if (type == mjSENS_FORCE || type == mjSENS_TORQUE) force_torque_sensors_.push_back(s);
    }
    imu_size_ = sensor_width(imu_sensors_);
    force_torque_size_ = sensor_width(force_torque_sensors_);
    if (m()->sensor_dim[velocimeter_] != 3)
      throw Error(name + ": sensor 'velocimeter' in '" + physics().path() + "' is not 3-d");
    set_observation_size(2 * static_cast<int>(hinge_qpos_.size()) + m()->na + 3 + 1 + imu_size_ +
                         force_torque_size_);
  }

 protected:
  void initialize_episode(Rng& rng) override {
    // docs/tasks.md 3.4: uniformly random orientation, a normalised vector of four N() draws.
    double orientation[4];
    for (double& c : orientation) c = rng.normal();
    mju_normalize4(orientation);
    // docs/tasks.md 3.4: search upward from z = 0 for a height without contacts. Each attempt
    // starts from a full reset; mj_resetData also clears the warning counters, so a warning raised
    // by an attempt that is then rejected (e.g. contact buffer full) is ignored, as dm_control
    // ignores the PhysicsError, and does not reach the warning check at the end of reset.
    mjModel* model = physics().model();
    mjData* data = d();
    const int adr = m()->jnt_qposadr[root_];
    double z = 0.0;
    for (int attempt = 0;; ++attempt) {
      if (attempt >= kMaxHeightAttempts)
        throw Error(spec().name + ": no contact-free initial height found in " +
                    std::to_string(kMaxHeightAttempts) + " attempts");
      mj_resetData(model, data);
      physics().forward_without_actuation();
      data->qpos[adr + 0] = 0.0;
      data->qpos[adr + 1] = 0.0;
      data->qpos[adr + 2] = z;
      for (int k = 0; k < 4; ++k) data->qpos[adr + 3 + k] = orientation[k];
      physics().forward_without_actuation();
      if (data->ncon == 0) break;
      z += kHeightStep;
    }
  }

  void write_observation(double* out) const override {
    const mjData* data = d();
    // docs/tasks.md 3.4 (1): egocentric state = hinge angles, hinge velocities,
    // actuator activations.
    for (int adr : hinge_qpos_) *out++ = data->qpos[adr];
    for (int adr : hinge_dof_) *out++ = data->qvel[adr];
    for (int i = 0; i < m()->na; ++i) *out++ = data->act[i];
    // docs/tasks.md 3.4 (2): torso velocity in the torso frame (velocimeter).
    const mjtNum* velocity = physics_const().sensor_data(velocimeter_);
    for (int k = 0; k < 3; ++k) *out++ = velocity[k];
    // docs/tasks.md 3.4 (3): torso upright, R_torso.zz.
    *out++ = physics_const().xmat(torso_)[8];
    // docs/tasks.md 3.4 (4): imu readings.
    for (int s : imu_sensors_) {
      const mjtNum* reading = physics_const().sensor_data(s);
      for (int k = 0; k < m()->sensor_dim[s]; ++k) *out++ = reading[k];
    }
    // docs/tasks.md 3.4 (5): asinh of the toe force and torque readings.
    for (int s : force_torque_sensors_) {
      const mjtNum* reading = physics_const().sensor_data(s);
      for (int k = 0; k < m()->sensor_dim[s]; ++k) *out++ = std::asinh(reading[k]);
    }
  }

  double reward() const override {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    // docs/tasks.md 3.4: upright = (1 + R_torso.zz) / 2.
    const double upright =
        tolerance(physics_const().xmat(torso_)[8], 1.0, kInf, 2.0, Sigmoid::kLinear, 0.0);
    // docs/tasks.md 3.4: move, from the forward velocity in the torso frame.
    const double forward_velocity = physics_const().sensor_data(velocimeter_)[0];
    const double move =
        tolerance(forward_velocity, desired_speed_, kInf, desired_speed_, Sigmoid::kLinear, 0.5);
    return upright * move;
  }

 private:
  int sensor_width(const std::vector<int>& sensors) const {
    int width = 0;
    for (int s : sensors) width += m()->sensor_dim[s];
    return width;
  }

  double desired_speed_;
  int root_, torso_, velocimeter_;
  std::vector<int> hinge_qpos_, hinge_dof_;
  std::vector<int> imu_sensors_, force_torque_sensors_;
  int imu_size_ = 0, force_torque_size_ = 0;
};
}  // namespace

void add_quadruped_tasks(std::vector<TaskEntry>& tasks) {
  tasks.push_back({"quadruped-walk", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Quadruped>("quadruped-walk", "quadruped_walk.xml",
                                                        kWalkSpeed, dir);
                   }});
  tasks.push_back({"quadruped-run", [](const std::string& dir) -> std::unique_ptr<Env> {
                     return std::make_unique<Quadruped>("quadruped-run", "quadruped_run.xml",
                                                        kRunSpeed, dir);
                   }});
}

}  // namespace rfm::envs
