// The shipped presets load and carry the published defaults (docs/algorithms.md §3).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

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

// Every numeric key of every shipped preset has a range (rl/key_ranges.cpp), and the preset's value
// lies in it: a new key cannot slip in unchecked, nor a preset carry a value a user could not set.
TEST(Presets, EveryNumericKeyHasARangeHoldingEachPresetsValue) {
  int presets = 0;
  for (const auto& entry : std::filesystem::directory_iterator(RFM_CONFIGS_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    const std::string algorithm = entry.path().stem().string();
    for (const char* preset : {"paper", "cpu"}) {
      const Config config = Config::from_preset(RFM_CONFIGS_DIR, algorithm, preset);
      for (const auto& [key, value] : config.values()) {
        if (value.index() == 1 || value.index() == 2) {
          EXPECT_NE(key_range(key), nullptr) << algorithm << ": " << key << " has no range";
        }
      }
      EXPECT_NO_THROW(config.check_ranges()) << algorithm << " " << preset;
      ++presets;
    }
  }
  EXPECT_EQ(presets, 14);  // seven algorithms, two presets each
}

}  // namespace
}  // namespace rfm::rl
