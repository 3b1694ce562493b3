// Config: presets, user files, --set overrides, type and range checks, round trip.
#include "rfm/rl/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "rfm/util/error.h"
#include "rfm/util/format.h"
#include "scratch_folder.h"

namespace rfm::rl {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ + "/toy.toml") << R"(
[trainer]
total_steps = 100
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

TEST_F(ConfigTest, ResolvedInOrderPresetCommandFileOverridesSteps) {
  std::ofstream(dir_ + "/user.toml") << "[trainer]\nwarmup_steps = 500\nbatch_size = 64\n";
  ConfigRequest request{dir_, "toy", "cpu"};
  // A command's own settings apply where the preset has the key and are silently skipped
  // otherwise; the user's file and --set come after them and win.
  request.command_settings = {"toy.heun=true", "toy.estimator=eta1", "other.key=3",
                              "trainer.warmup_steps=7"};
  request.config_file = dir_ + "/user.toml";
  request.overrides = {"toy.estimator=snis"};
  request.total_steps = 1234;
  const Config config = resolve_config(request);
  EXPECT_TRUE(config.get_bool("toy.heun"));
  EXPECT_EQ(config.get_string("toy.estimator"), "snis");
  EXPECT_FALSE(config.has("other.key"));
  EXPECT_EQ(config.get_int("trainer.warmup_steps"), 500);
  EXPECT_EQ(config.get_int("trainer.batch_size"), 64);
  EXPECT_EQ(config.get_int("trainer.total_steps"), 1234);
  // A value outside its range fails the resolution itself, naming the key.
  request.total_steps = 0;
  request.overrides = {"trainer.batch_size=0"};
  try {
    resolve_config(request);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trainer.batch_size"), std::string::npos) << e.what();
  }
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

TEST_F(ConfigTest, ValuesOutsideTheirRangeAreRefusedNamingKeyAndRange) {
  Config config = Config::from_preset(dir_, "toy", "paper");
  EXPECT_NO_THROW(config.check_ranges());
  config.set("trainer.batch_size=100000000000");
  for (const auto& check : {std::function<void()>([&] { config.get_int("trainer.batch_size"); }),
                            std::function<void()>([&] { config.check_ranges(); })}) {
    try {
      check();
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'trainer.batch_size' = 100000000000 is outside its "
                                           "range [1, 65536]"),
                std::string::npos)
          << e.what();
    }
  }
  config.set("trainer.batch_size=0");
  EXPECT_THROW(config.check_ranges(), Error);
  config.set("trainer.batch_size=65536");
  EXPECT_NO_THROW(config.check_ranges());
  // A key without a range (toy.*) is any value of its type.
  EXPECT_EQ(key_range("toy.estimator"), nullptr);
}

TEST_F(ConfigTest, ProductsBeyondTheLimitAreRefusedWithTheProduct) {
  Config config = Config::from_preset(dir_, "toy", "paper");
  config.define("toy.samples", std::int64_t{100000});
  EXPECT_NO_THROW(config.check_product("trainer.batch_size", "toy.samples", 25600000, "rows"));
  try {
    config.check_product("trainer.batch_size", "toy.samples", 25599999, "rows per update");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("256 × 100000 rows per update, more than the limit of "
                                         "25599999"),
              std::string::npos)
        << e.what();
  }
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

TEST(ValueText, ReadsBackToTheSameValueAsSetsArgument) {
  // A message's number, or a value handed on to Config::set, keeps every digit: 1.2345678e-07
  // once read 1.23457e-07 and bench bandit's temperature 1e-7 became 0.000000.
  for (const double value : {1.2345678e-07, 0.0003, 0.1, 123456.789, 2.0000000000000004, 3.0}) {
    const std::string text = value_text(ConfigValue{value});
    EXPECT_EQ(std::stod(text), value) << text;
    EXPECT_EQ(text, format_shortest(value));
  }
  EXPECT_EQ(value_text(ConfigValue{0.0003}), "0.0003");
  EXPECT_EQ(value_text(ConfigValue{std::int64_t{128}}), "128");
  EXPECT_EQ(value_text(ConfigValue{true}), "true");
  EXPECT_EQ(join({"rfm", "sac", "qsm"}, ", "), "rfm, sac, qsm");
  EXPECT_EQ(join({}, ", "), "");
}

}  // namespace
}  // namespace rfm::rl
