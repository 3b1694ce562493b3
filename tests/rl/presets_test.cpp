// The shipped presets load and carry the published defaults (docs/algorithms.md §3).
#include <gtest/gtest.h>

#include "rfm/rl/config.h"

namespace rfm::rl {
namespace {

TEST(Presets, RfmPaperDefaults) {
  const Config config = Config::from_preset(RFM_CONFIGS_DIR, "rfm", "paper");
  EXPECT_EQ(config.get_int("trainer.warmup_steps"), 10000);
  EXPECT_EQ(config.get_int("trainer.batch_size"), 256);
  EXPECT_EQ(config.get_int("trainer.updates_per_step"), 1);
  EXPECT_EQ(config.get_int("trainer.replay_size"), 250000);
  EXPECT_EQ(config.get_int("trainer.eval_every"), 10000);
  EXPECT_EQ(config.get_int("trainer.eval_episodes"), 25);
  EXPECT_DOUBLE_EQ(config.get_double("trainer.discount"), 0.99);
  EXPECT_DOUBLE_EQ(config.get_double("trainer.polyak_tau"), 0.005);
  EXPECT_DOUBLE_EQ(config.get_double("trainer.critic_learning_rate"), 1e-3);
  EXPECT_DOUBLE_EQ(config.get_double("trainer.actor_learning_rate"), 3e-4);
  EXPECT_DOUBLE_EQ(config.get_double("rfm.temperature"), 0.02);
  EXPECT_EQ(config.get_int("rfm.mc_samples"), 100);
  EXPECT_EQ(config.get_int("rfm.particles"), 32);
  EXPECT_EQ(config.get_int("rfm.ode_steps"), 10);
  EXPECT_DOUBLE_EQ(config.get_double("rfm.t_min"), 0.01);
  EXPECT_EQ(config.get_string("rfm.estimator"), "optimal-diag");
  EXPECT_DOUBLE_EQ(config.get_double("rfm.ridge"), 1e-4);
  EXPECT_DOUBLE_EQ(config.get_double("rfm.coefficient_clip"), 2.0);
}

}  // namespace
}  // namespace rfm::rl
