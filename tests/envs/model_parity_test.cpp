// Our MJCF models against DeepMind Control's originals: compiled fields and trajectories agree.
#include "model_parity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rfm/envs/mujoco_task.h"
#include "rfm/util/rng.h"
#include "test_support.h"

namespace rfm::test {
namespace {

constexpr double kRelativeTolerance = 1e-6;

void expect_close_arrays(const char* field, const mjtNum* ours, const mjtNum* theirs, int n) {
  for (int i = 0; i < n; ++i) {
    // Relative to the values themselves (a 1e-6 armature must not match 2e-6), with a tiny
    // absolute floor for values that are zero in one model and rounding noise in the other.
    const double scale = std::max(std::abs(ours[i]), std::abs(theirs[i]));
    ASSERT_LE(std::abs(ours[i] - theirs[i]), kRelativeTolerance * scale + 1e-12)
        << field << "[" << i << "]: ours " << ours[i] << ", original " << theirs[i];
  }
}
void expect_equal_arrays(const char* field, const int* ours, const int* theirs, int n) {
  for (int i = 0; i < n; ++i) ASSERT_EQ(ours[i], theirs[i]) << field << "[" << i << "]";
}
void expect_equal_arrays(const char* field, const mjtByte* ours, const mjtByte* theirs, int n) {
  for (int i = 0; i < n; ++i) ASSERT_EQ(ours[i], theirs[i]) << field << "[" << i << "]";
}

// Compares a per-object field of width `width` between the two models.
#define RFM_EXPECT_FIELD(field, count, width)                                           \
  do {                                                                                  \
    ASSERT_EQ(ours->count, theirs->count) << #count;                                    \
    expect_close_or_equal(#field, ours->field, theirs->field, (ours->count) * (width)); \
  } while (0)

void expect_close_or_equal(const char* f, const mjtNum* a, const mjtNum* b, int n) {
  expect_close_arrays(f, a, b, n);
}
void expect_close_or_equal(const char* f, const int* a, const int* b, int n) {
  expect_equal_arrays(f, a, b, n);
}
void expect_close_or_equal(const char* f, const mjtByte* a, const mjtByte* b, int n) {
  expect_equal_arrays(f, a, b, n);
}

TEST_P(ModelParity, CompiledModelsAgree) {
  RFM_SKIP_WITHOUT_SHARED_DMC();
  const auto& param = GetParam();
  envs::Physics our_physics(std::string(RFM_DEFAULT_MODEL_DIR) + "/" + param.model_file);
  envs::Physics original(shared_dmc_dir() + "/" + param.model_file);
  const mjModel* ours = our_physics.model();
  const mjModel* theirs = original.model();

  // Sizes.
  EXPECT_EQ(ours->nq, theirs->nq);
  EXPECT_EQ(ours->nv, theirs->nv);
  EXPECT_EQ(ours->nu, theirs->nu);
  EXPECT_EQ(ours->na, theirs->na);
  // Options.
  EXPECT_DOUBLE_EQ(ours->opt.timestep, theirs->opt.timestep);
  EXPECT_EQ(ours->opt.integrator, theirs->opt.integrator);
  EXPECT_EQ(ours->opt.cone, theirs->opt.cone);
  EXPECT_EQ(ours->opt.iterations, theirs->opt.iterations);
  EXPECT_EQ(ours->opt.disableflags, theirs->opt.disableflags);
  EXPECT_EQ(ours->opt.enableflags & ~mjENBL_ENERGY, theirs->opt.enableflags & ~mjENBL_ENERGY);
  expect_close_arrays("opt.gravity", ours->opt.gravity, theirs->opt.gravity, 3);
  expect_close_arrays("opt.density", &ours->opt.density, &theirs->opt.density, 1);
  expect_close_arrays("opt.viscosity", &ours->opt.viscosity, &theirs->opt.viscosity, 1);
  EXPECT_EQ(ours->nconmax, theirs->nconmax);
  EXPECT_EQ(ours->njmax, theirs->njmax);
  // Bodies.
  RFM_EXPECT_FIELD(body_parentid, nbody, 1);
  RFM_EXPECT_FIELD(body_mass, nbody, 1);
  RFM_EXPECT_FIELD(body_inertia, nbody, 3);
  RFM_EXPECT_FIELD(body_pos, nbody, 3);
  RFM_EXPECT_FIELD(body_quat, nbody, 4);
  RFM_EXPECT_FIELD(body_ipos, nbody, 3);
  RFM_EXPECT_FIELD(body_iquat, nbody, 4);
  // Joints and degrees of freedom.
  RFM_EXPECT_FIELD(jnt_type, njnt, 1);
  RFM_EXPECT_FIELD(jnt_bodyid, njnt, 1);
  RFM_EXPECT_FIELD(jnt_limited, njnt, 1);
  RFM_EXPECT_FIELD(jnt_range, njnt, 2);
  RFM_EXPECT_FIELD(jnt_stiffness, njnt, 1);
  RFM_EXPECT_FIELD(jnt_pos, njnt, 3);
  RFM_EXPECT_FIELD(jnt_axis, njnt, 3);
  RFM_EXPECT_FIELD(jnt_solref, njnt, mjNREF);
  RFM_EXPECT_FIELD(jnt_solimp, njnt, mjNIMP);
  RFM_EXPECT_FIELD(jnt_margin, njnt, 1);
  RFM_EXPECT_FIELD(qpos0, nq, 1);
  RFM_EXPECT_FIELD(qpos_spring, nq, 1);
  RFM_EXPECT_FIELD(dof_damping, nv, 1);
  RFM_EXPECT_FIELD(dof_armature, nv, 1);
  RFM_EXPECT_FIELD(dof_frictionloss, nv, 1);
  // Geoms.
  RFM_EXPECT_FIELD(geom_type, ngeom, 1);
  RFM_EXPECT_FIELD(geom_bodyid, ngeom, 1);
  RFM_EXPECT_FIELD(geom_contype, ngeom, 1);
  RFM_EXPECT_FIELD(geom_conaffinity, ngeom, 1);
  RFM_EXPECT_FIELD(geom_condim, ngeom, 1);
  RFM_EXPECT_FIELD(geom_size, ngeom, 3);
  RFM_EXPECT_FIELD(geom_pos, ngeom, 3);
  RFM_EXPECT_FIELD(geom_quat, ngeom, 4);
  RFM_EXPECT_FIELD(geom_friction, ngeom, 3);
  RFM_EXPECT_FIELD(geom_solref, ngeom, mjNREF);
  RFM_EXPECT_FIELD(geom_solimp, ngeom, mjNIMP);
  RFM_EXPECT_FIELD(geom_margin, ngeom, 1);
  // Sites (sensors and tendons attach to them).
  RFM_EXPECT_FIELD(site_type, nsite, 1);
  RFM_EXPECT_FIELD(site_bodyid, nsite, 1);
  RFM_EXPECT_FIELD(site_pos, nsite, 3);
  RFM_EXPECT_FIELD(site_quat, nsite, 4);
  RFM_EXPECT_FIELD(site_size, nsite, 3);
  // Actuators.
  RFM_EXPECT_FIELD(actuator_trntype, nu, 1);
  RFM_EXPECT_FIELD(actuator_dyntype, nu, 1);
  RFM_EXPECT_FIELD(actuator_gaintype, nu, 1);
  RFM_EXPECT_FIELD(actuator_biastype, nu, 1);
  RFM_EXPECT_FIELD(actuator_trnid, nu, 2);
  RFM_EXPECT_FIELD(actuator_ctrllimited, nu, 1);
  RFM_EXPECT_FIELD(actuator_forcelimited, nu, 1);
  RFM_EXPECT_FIELD(actuator_dynprm, nu, mjNDYN);
  RFM_EXPECT_FIELD(actuator_gainprm, nu, mjNGAIN);
  RFM_EXPECT_FIELD(actuator_biasprm, nu, mjNBIAS);
  RFM_EXPECT_FIELD(actuator_ctrlrange, nu, 2);
  RFM_EXPECT_FIELD(actuator_forcerange, nu, 2);
  RFM_EXPECT_FIELD(actuator_gear, nu, 6);
  // Tendons.
  RFM_EXPECT_FIELD(tendon_adr, ntendon, 1);
  RFM_EXPECT_FIELD(tendon_num, ntendon, 1);
  RFM_EXPECT_FIELD(tendon_limited, ntendon, 1);
  RFM_EXPECT_FIELD(tendon_range, ntendon, 2);
  RFM_EXPECT_FIELD(tendon_stiffness, ntendon, 1);
  RFM_EXPECT_FIELD(tendon_damping, ntendon, 1);
  RFM_EXPECT_FIELD(tendon_lengthspring, ntendon, 1);
  RFM_EXPECT_FIELD(wrap_type, nwrap, 1);
  RFM_EXPECT_FIELD(wrap_objid, nwrap, 1);
  RFM_EXPECT_FIELD(wrap_prm, nwrap, 1);
  // Equality constraints.
  RFM_EXPECT_FIELD(eq_type, neq, 1);
  RFM_EXPECT_FIELD(eq_obj1id, neq, 1);
  RFM_EXPECT_FIELD(eq_obj2id, neq, 1);
  RFM_EXPECT_FIELD(eq_active, neq, 1);
  RFM_EXPECT_FIELD(eq_data, neq, mjNEQDATA);
  RFM_EXPECT_FIELD(eq_solref, neq, mjNREF);
  RFM_EXPECT_FIELD(eq_solimp, neq, mjNIMP);
  // Sensors.
  RFM_EXPECT_FIELD(sensor_type, nsensor, 1);
  RFM_EXPECT_FIELD(sensor_objtype, nsensor, 1);
  RFM_EXPECT_FIELD(sensor_objid, nsensor, 1);
  RFM_EXPECT_FIELD(sensor_dim, nsensor, 1);
  RFM_EXPECT_FIELD(sensor_adr, nsensor, 1);
}

TEST_P(ModelParity, TrajectoriesAgreeUnderRandomActions) {
  RFM_SKIP_WITHOUT_SHARED_DMC();
  const auto& param = GetParam();
  envs::Physics ours(std::string(RFM_DEFAULT_MODEL_DIR) + "/" + param.model_file);
  envs::Physics theirs(shared_dmc_dir() + "/" + param.model_file);
  ASSERT_EQ(ours.model()->nq, theirs.model()->nq);
  ASSERT_EQ(ours.model()->nu, theirs.model()->nu);
  mjModel* mo = ours.model();
  mjModel* mt = theirs.model();
  mjData* d_ours = ours.data();
  mjData* d_theirs = theirs.data();
  mj_resetData(mo, d_ours);
  mj_resetData(mt, d_theirs);
  // The same perturbed initial state: small random offsets of every hinge and slide.
  Rng rng(7);
  for (int j = 0; j < mo->njnt; ++j) {
    if (mo->jnt_type[j] == mjJNT_HINGE || mo->jnt_type[j] == mjJNT_SLIDE) {
      const double offset = rng.uniform(-0.1, 0.1);
      d_ours->qpos[mo->jnt_qposadr[j]] += offset;
      d_theirs->qpos[mt->jnt_qposadr[j]] += offset;
    }
  }
  mj_forward(mo, d_ours);
  mj_forward(mt, d_theirs);
  for (int step = 0; step < 200; ++step) {
    for (int i = 0; i < mo->nu; ++i) {
      const double lo = mo->actuator_ctrlrange[2 * i], hi = mo->actuator_ctrlrange[2 * i + 1];
      d_ours->ctrl[i] = d_theirs->ctrl[i] = rng.uniform(lo, hi);
    }
    for (int k = 0; k < param.substeps; ++k) {
      mj_step(mo, d_ours);
      mj_step(mt, d_theirs);
    }
    for (int i = 0; i < mo->nq; ++i)
      ASSERT_NEAR(d_ours->qpos[i], d_theirs->qpos[i], 1e-6) << "qpos[" << i << "] at step " << step;
    for (int i = 0; i < mo->nv; ++i)
      ASSERT_NEAR(d_ours->qvel[i], d_theirs->qvel[i], 1e-6) << "qvel[" << i << "] at step " << step;
  }
}

}  // namespace
}  // namespace rfm::test
