// A DeepMind-Control-style task on a MuJoCo model: loading, the legacy step order, resets with
// actuation disabled, warnings reported as errors. A domain subclasses it with three functions:
// initialise the episode, write the observation, compute the reward.
#pragma once

#include <mujoco/mujoco.h>

#include <memory>
#include <string>
#include <vector>

#include "rfm/envs/env.h"
#include "rfm/util/rng.h"

namespace rfm::envs {

// Owns a compiled model and its data.
class Physics {
 public:
  // Loads an MJCF file. Throws rfm::Error with MuJoCo's message if it does not load.
  explicit Physics(const std::string& xml_path);
  ~Physics();
  Physics(const Physics&) = delete;
  Physics& operator=(const Physics&) = delete;

  mjModel* model() const { return model_; }
  mjData* data() const { return data_; }

  // Id lookups that throw rfm::Error naming the model file when the name is missing.
  int body(const char* name) const { return id(mjOBJ_BODY, name); }
  int joint(const char* name) const { return id(mjOBJ_JOINT, name); }
  int geom(const char* name) const { return id(mjOBJ_GEOM, name); }
  int site(const char* name) const { return id(mjOBJ_SITE, name); }
  int sensor(const char* name) const { return id(mjOBJ_SENSOR, name); }
  int actuator(const char* name) const { return id(mjOBJ_ACTUATOR, name); }
  int id(mjtObj type, const char* name) const;

  // Sensor readings by sensor id.
  const mjtNum* sensor_data(int sensor_id) const {
    return data_->sensordata + model_->sensor_adr[sensor_id];
  }
  // Body rotation matrix (row-major 3x3) and origin.
  const mjtNum* xmat(int body_id) const { return data_->xmat + 9 * body_id; }
  const mjtNum* xpos(int body_id) const { return data_->xpos + 3 * body_id; }

  // mj_forward with actuation disabled, as dm_control does around resets.
  void forward_without_actuation();
  // Total count of MuJoCo warnings so far (all kinds).
  long warning_count() const;
  // Throws rfm::PhysicsError if the warning count grew past `before`.
  void check_warnings(long before) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mjModel* model_ = nullptr;
  mjData* data_ = nullptr;
};

struct MujocoTaskConfig {
  std::string name;             // task name, e.g. "cheetah-run"
  std::string model_file;       // file name inside the model directory, e.g. "cheetah.xml"
  double control_timestep = 0;  // 0: one physics step per agent step
  double time_limit = 0;        // seconds
};

class MujocoTask : public Env {
 public:
  MujocoTask(const MujocoTaskConfig& config, const std::string& model_dir);

  const TaskSpec& spec() const override { return spec_; }
  void seed(std::uint64_t seed) override { rng_.reseed(seed); }
  void reset(std::vector<double>& observation) override;
  StepOutcome step(const std::vector<double>& action, std::vector<double>& observation) override;
  using Env::reset;

  Physics& physics() { return *physics_; }
  const Physics& physics_const() const { return *physics_; }
  int substeps() const { return substeps_; }

  // Advances the physics by n steps in dm_control's legacy order (used by step and by tasks that
  // settle the initial state).
  void advance_physics(int n);

  // For tests and tools: the current observation and reward without stepping.
  void observe(std::vector<double>& observation) const;
  double current_reward() const { return reward(); }

 protected:
  // Task-specific parts (dm_control's initialize_episode, get_observation, get_reward).
  virtual void initialize_episode(Rng& rng) = 0;
  virtual void write_observation(double* out) const = 0;
  virtual double reward() const = 0;
  // Subclass constructors call this once their ids are resolved.
  void set_observation_size(int size);

  // The generic joint randomiser of DeepMind Control (docs/tasks.md 1.6).
  void randomize_limited_and_rotational_joints(Rng& rng);

  const mjModel* m() const { return physics_->model(); }
  mjData* d() const { return physics_->data(); }

 private:
  std::unique_ptr<Physics> physics_;
  TaskSpec spec_;
  Rng rng_;
  int substeps_ = 1;
  int step_count_ = 0;
  bool rk4_ = false;
};

}  // namespace rfm::envs
