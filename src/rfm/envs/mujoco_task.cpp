#include "rfm/envs/mujoco_task.h"

#include <cmath>
#include <sstream>

#include "rfm/util/error.h"

namespace rfm::envs {

namespace {
constexpr double kPi = 3.14159265358979323846;

const char* warning_name(int index) {
  switch (index) {
    case mjWARN_INERTIA:
      return "invalid inertia";
    case mjWARN_CONTACTFULL:
      return "contact buffer full (nconmax)";
    case mjWARN_CNSTRFULL:
      return "constraint buffer full (njmax)";
    case mjWARN_VGEOMFULL:
      return "visual geom buffer full";
    case mjWARN_BADQPOS:
      return "bad qpos (NaN or huge)";
    case mjWARN_BADQVEL:
      return "bad qvel (NaN or huge)";
    case mjWARN_BADQACC:
      return "bad qacc (NaN or huge); the simulation is unstable";
    case mjWARN_BADCTRL:
      return "bad ctrl (NaN or huge)";
    default:
      return "unknown warning";
  }
}
// MuJoCo's default warning handler prints and appends to MUJOCO_LOG.TXT in the working directory.
// rfm reads the warning counters instead and raises PhysicsError, so warnings are only recorded.
void record_warning(const char*) {}
}  // namespace

Physics::Physics(const std::string& xml_path) : path_(xml_path) {
  mju_user_warning = record_warning;
  char error[1024] = "";
  model_ = mj_loadXML(xml_path.c_str(), nullptr, error, sizeof(error));
  if (!model_) {
    // MuJoCo's parser messages span several lines; a user sees one.
    std::string reason = error;
    for (char& c : reason)
      if (c == '\n') c = ' ';
    while (!reason.empty() && reason.back() == ' ') reason.pop_back();
    throw Error("cannot load model '" + xml_path + "': " + reason);
  }
  data_ = mj_makeData(model_);
  if (!data_) {
    mj_deleteModel(model_);
    throw Error("cannot allocate simulation data for model '" + xml_path + "'");
  }
}

Physics::~Physics() {
  mj_deleteData(data_);
  mj_deleteModel(model_);
}

int Physics::id(mjtObj type, const char* name) const {
  const int found = mj_name2id(model_, type, name);
  if (found < 0)
    throw Error("model '" + path_ + "' has no " + mju_type2Str(type) + " named '" + name + "'");
  return found;
}

void Physics::forward_without_actuation() {
  const int saved_flags = model_->opt.disableflags;
  model_->opt.disableflags |= mjDSBL_ACTUATION;
  mj_forward(model_, data_);
  model_->opt.disableflags = saved_flags;
}

long Physics::warning_count() const {
  long total = 0;
  for (int i = 0; i < mjNWARNING; ++i) total += data_->warning[i].number;
  return total;
}

void Physics::check_warnings(long before) const {
  if (warning_count() <= before) return;
  std::ostringstream message;
  message << "physics became invalid in model '" << path_ << "' at time " << data_->time << ":";
  for (int i = 0; i < mjNWARNING; ++i)
    if (data_->warning[i].number > 0) message << " " << warning_name(i) << ";";
  throw PhysicsError(message.str());
}

MujocoTask::MujocoTask(const MujocoTaskConfig& config, const std::string& model_dir)
    : physics_(std::make_unique<Physics>(model_dir + "/" + config.model_file)) {
  const mjModel* model = physics_->model();
  const double h = model->opt.timestep;
  // Substeps per agent step: control timestep / physics timestep must be an integer
  // (docs/tasks.md 1.1).
  if (config.control_timestep > 0) {
    const double ratio = config.control_timestep / h;
    substeps_ = static_cast<int>(std::lround(ratio));
    if (std::abs(ratio - substeps_) > 1e-8 || substeps_ < 1) {
      std::ostringstream message;
      message << config.name << ": control timestep " << config.control_timestep
              << " is not a multiple of the model's timestep " << h << " in '" << physics_->path()
              << "'";
      throw Error(message.str());
    }
  }
  rk4_ = model->opt.integrator == mjINT_RK4;
  spec_.name = config.name;
  spec_.control_timestep = h * substeps_;
  spec_.episode_steps = static_cast<int>(std::lround(config.time_limit / spec_.control_timestep));
  // An agent needs something to act on (a model without actuators divides by zero downstream).
  if (model->nu < 1)
    throw Error(config.name + ": model '" + physics_->path() +
                "' has no actuators; a task's model needs at least one");
  spec_.action_size = model->nu;
  for (int i = 0; i < model->nu; ++i) {
    const bool limited = model->actuator_ctrllimited[i];
    spec_.action_lower.push_back(limited ? model->actuator_ctrlrange[2 * i] : -mjMAXVAL);
    spec_.action_upper.push_back(limited ? model->actuator_ctrlrange[2 * i + 1] : mjMAXVAL);
  }
}

void MujocoTask::set_observation_size(int size) {
  spec_.observation_size = size;
}

void MujocoTask::advance_physics(int n) {
  mjModel* model = physics_->model();
  mjData* data = physics_->data();
  if (rk4_) {
    // RK4 models: full steps, then refresh position/velocity-stage quantities (docs/tasks.md 1.3).
    for (int i = 0; i < n; ++i) mj_step(model, data);
  } else {
    // Euler: finish the pending step, take n-1 full steps, then compute the next step's first half.
    mj_step2(model, data);
    for (int i = 1; i < n; ++i) mj_step(model, data);
  }
  mj_step1(model, data);
}

void MujocoTask::reset(std::vector<double>& observation) {
  const long warnings_before = 0;
  // docs/tasks.md 1.2: reset, actuation-free forward, task initialisation, actuation-free forward.
  mj_resetData(physics_->model(), physics_->data());
  physics_->forward_without_actuation();
  initialize_episode(rng_);
  physics_->forward_without_actuation();
  physics_->check_warnings(warnings_before);
  step_count_ = 0;
  observe(observation);
}

StepOutcome MujocoTask::step(const std::vector<double>& action, std::vector<double>& observation) {
  validate_action(spec_, action);
  if (step_count_ >= spec_.episode_steps)
    throw Error(spec_.name + ": step called after the episode ended; call reset first");
  mjData* data = physics_->data();
  const long warnings_before = physics_->warning_count();
  // The action goes to ctrl verbatim; MuJoCo clamps limited controls when computing forces.
  for (int i = 0; i < spec_.action_size; ++i) data->ctrl[i] = action[i];
  advance_physics(substeps_);
  physics_->check_warnings(warnings_before);
  ++step_count_;
  StepOutcome outcome;
  outcome.reward = reward();
  outcome.truncated = step_count_ >= spec_.episode_steps;
  observe(observation);
  return outcome;
}

void MujocoTask::observe(std::vector<double>& observation) const {
  observation.resize(spec_.observation_size);
  write_observation(observation.data());
}

void MujocoTask::randomize_limited_and_rotational_joints(Rng& rng) {
  const mjModel* model = m();
  mjData* data = d();
  for (int j = 0; j < model->njnt; ++j) {
    const int adr = model->jnt_qposadr[j];
    const bool limited = model->jnt_limited[j];
    const double lo = model->jnt_range[2 * j], hi = model->jnt_range[2 * j + 1];
    switch (model->jnt_type[j]) {
      case mjJNT_HINGE:
        data->qpos[adr] = limited ? rng.uniform(lo, hi) : rng.uniform(-kPi, kPi);
        break;
      case mjJNT_SLIDE:
        if (limited) data->qpos[adr] = rng.uniform(lo, hi);
        break;
      case mjJNT_BALL: {
        if (limited) throw Error("joint randomiser: limited ball joints are not supported");
        double q[4];
        for (double& c : q) c = rng.normal();
        mju_normalize4(q);
        for (int k = 0; k < 4; ++k) data->qpos[adr + k] = q[k];
        break;
      }
      case mjJNT_FREE: {
        // Non-negative components, as upstream keeps for benchmark continuity (docs/tasks.md 1.6).
        double q[4];
        for (double& c : q) c = rng.uniform();
        mju_normalize4(q);
        for (int k = 0; k < 4; ++k) data->qpos[adr + 3 + k] = q[k];
        break;
      }
    }
  }
}

}  // namespace rfm::envs
