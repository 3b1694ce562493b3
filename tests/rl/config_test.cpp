// Config: presets, user files, --set overrides, type and range checks, round trip.
#include "rfm/rl/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "rfm/util/error.h"
#include "scratch_folder.h"

namespace rfm::rl {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ + "/toy.toml") << R"(
[trainer]
batch_size = 256
warmup_steps = 10000
learning_rate = 0.001
[toy]
estimator = "optimal-diag"
heun = false

[preset.cpu.trainer]
batch_size = 128
[preset.cpu.toy]
estimator = "eta0"
)";
  }
  // A folder per test: ctest runs this fixture's tests as parallel processes, and a shared folder
  // let one test truncate toy.toml while another was reading it.
  const test::ScratchFolder scratch_{"rfm_config"};
  const std::string dir_ = scratch_.path().string();
};

TEST_F(ConfigTest, PaperPresetIsTheDefaultsAndNamedPresetsOverride) {
  const Config paper = Config::from_preset(dir_, "toy", "paper");
  EXPECT_EQ(paper.get_int("trainer.batch_size"), 256);
  EXPECT_EQ(paper.get_string("toy.estimator"), "optimal-diag");
  EXPECT_FALSE(paper.has("preset.cpu.trainer.batch_size"));
  const Config cpu = Config::from_preset(dir_, "toy", "cpu");
  EXPECT_EQ(cpu.get_int("trainer.batch_size"), 128);
  EXPECT_EQ(cpu.get_int("trainer.warmup_steps"), 10000);
  EXPECT_EQ(cpu.get_string("toy.estimator"), "eta0");
}

TEST_F(ConfigTest, UnknownAlgorithmOrPresetNamesTheChoices) {
  EXPECT_THROW(Config::from_preset(dir_, "nope", "paper"), Error);
  try {
    Config::from_preset(dir_, "toy", "gpu");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("known: paper, cpu"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigTest, SetParsesByTheKeysTypeAndRejectsBadInput) {
  Config config = Config::from_preset(dir_, "toy", "paper");
  config.set("trainer.batch_size=64");
  config.set("trainer.learning_rate = 3e-4");
  config.set("toy.heun=true");
  config.set("toy.estimator=eta=0.5");
  EXPECT_EQ(config.get_int("trainer.batch_size"), 64);
  EXPECT_DOUBLE_EQ(config.get_double("trainer.learning_rate"), 3e-4);
  EXPECT_TRUE(config.get_bool("toy.heun"));
  EXPECT_EQ(config.get_string("toy.estimator"), "eta=0.5");
  EXPECT_THROW(config.set("trainer.batch_sise=64"), Error);   // unknown key
  EXPECT_THROW(config.set("trainer.batch_size=6.5"), Error);  // wrong type
  EXPECT_THROW(config.set("trainer.batch_size=abc"), Error);
  EXPECT_THROW(config.set("toy.heun=yes"), Error);
  EXPECT_THROW(config.set("trainer.learning_rate=nan"), Error);
  EXPECT_THROW(config.set("trainer.batch_size"), Error);  // no '='
  EXPECT_EQ(config.get_int("trainer.batch_size"), 64);    // failed sets changed nothing
}

TEST_F(ConfigTest, RangeChecksNameTheKey) {
  Config config = Config::from_preset(dir_, "toy", "paper");
  config.set("trainer.batch_size=0");
  try {
    config.get_int_at_least("trainer.batch_size", 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trainer.batch_size"), std::string::npos);
  }
  EXPECT_THROW(config.get_double_in("trainer.learning_rate", 0.01, 1.0), Error);
  EXPECT_NO_THROW(config.get_double_in("trainer.learning_rate", 0.0, 1.0));
}

TEST_F(ConfigTest, UserFileOverridesOnlyKnownKeysWithMatchingTypes) {
  Config config = Config::from_preset(dir_, "toy", "paper");
  std::ofstream(dir_ + "/user.toml") << "[trainer]\nbatch_size = 32\nlearning_rate = 1\n";
  config.merge_file(dir_ + "/user.toml");
  EXPECT_EQ(config.get_int("trainer.batch_size"), 32);
  EXPECT_DOUBLE_EQ(config.get_double("trainer.learning_rate"), 1.0);
  std::ofstream(dir_ + "/bad.toml") << "[trainer]\nbatch = 32\n";
  EXPECT_THROW(config.merge_file(dir_ + "/bad.toml"), Error);
  std::ofstream(dir_ + "/broken.toml") << "[trainer\nbatch_size = \n";
  EXPECT_THROW(config.merge_file(dir_ + "/broken.toml"), Error);
  EXPECT_THROW(config.merge_file(dir_ + "/missing.toml"), Error);
}

TEST_F(ConfigTest, ResolvedTomlReadsBackIdentically) {
  Config config = Config::from_preset(dir_, "toy", "cpu");
  config.set("trainer.learning_rate=0.1");
  std::ofstream(dir_ + "/resolved.toml") << config.to_toml();
  const Config back = Config::from_file(dir_ + "/resolved.toml");
  EXPECT_EQ(back.values(), config.values());
}

TEST_F(ConfigTest, FloatsAreWrittenInTheirShortestRoundTripForm) {
  Config config = Config::from_preset(dir_, "toy", "cpu");
  for (const char* value : {"0.0003", "1e-05", "0.1", "123456.789", "2.0000000000000004"}) {
    config.set(std::string("trainer.learning_rate=") + value);
    const std::string toml = config.to_toml();
    EXPECT_NE(toml.find(std::string("learning_rate = ") + value + "\n"), std::string::npos) << toml;
    std::ofstream(dir_ + "/resolved.toml") << toml;
    EXPECT_EQ(Config::from_file(dir_ + "/resolved.toml").values(), config.values()) << value;
  }
  config.set("trainer.learning_rate=3");
  EXPECT_NE(config.to_toml().find("learning_rate = 3.0\n"), std::string::npos);
}

}  // namespace
}  // namespace rfm::rl
