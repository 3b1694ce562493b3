// Run configuration: an algorithm's preset (configs/<algo>.toml, a [preset.<name>] table of
// overrides), then an optional user file, then --set key=value overrides. Every key a user gives
// must already exist in the preset, with a value of the same type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rfm::rl {

using ConfigValue = std::variant<bool, std::int64_t, double, std::string>;

class Config {
 public:
  // Reads configs_dir/<algorithm>.toml and applies its [preset.<preset>] table. Throws rfm::Error
  // for an unknown algorithm (no such file) or preset (naming the known ones).
  static Config from_preset(const std::string& configs_dir, const std::string& algorithm,
                            const std::string& preset);
  // Reads a fully resolved config (a run folder's config.toml) as is.
  static Config from_file(const std::string& path);

  // Overrides from a TOML file: nested tables, keys as in the preset.
  void merge_file(const std::string& path);
  // One "section.key=value" override; the value is parsed as the existing key's type.
  void set(const std::string& assignment);

  // Adds or replaces a key outside the preset's schema (a run folder's [run] identity).
  void define(const std::string& key, const ConfigValue& value) { values_[key] = value; }

  bool has(const std::string& key) const { return values_.count(key) > 0; }
  bool get_bool(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;  // integers are accepted for doubles
  const std::string& get_string(const std::string& key) const;

  // Throws rfm::Error naming every numeric key whose value lies outside its range (key_range);
  // run before anything is built from the config. The getters check the key they read too.
  void check_ranges() const;
  // Throws rfm::Error when key_a × key_b (rows a step evaluates at once, e.g. batch_size ×
  // mc_samples) exceeds `limit`, saying what the product is.
  void check_product(const std::string& key_a, const std::string& key_b, std::int64_t limit,
                     const std::string& what) const;

  // Fully resolved TOML text (sections in key order), for the run folder's config.toml.
  std::string to_toml() const;
  const std::map<std::string, ConfigValue>& values() const { return values_; }

 private:
  void assign(const std::string& key, const ConfigValue& value, const std::string& origin);
  const ConfigValue& lookup(const std::string& key) const;
  void check_range(const std::string& key, const ConfigValue& value) const;

  std::map<std::string, ConfigValue> values_;  // dotted keys: "trainer.batch_size"
};

// What a command asks for: an algorithm's preset, the command's own settings, a user's file, the
// user's --set overrides and --steps, applied in that order (a later one wins).
struct ConfigRequest {
  ConfigRequest(std::string configs_dir_, std::string algorithm_, std::string preset_)
      : configs_dir(std::move(configs_dir_)),
        algorithm(std::move(algorithm_)),
        preset(std::move(preset_)) {}
  std::string configs_dir, algorithm, preset;
  // A command's own settings ("section.key=value"), each applied only where the preset has the
  // key (bench bandit's λ and sample counts).
  std::vector<std::string> command_settings;
  std::string config_file;             // "" for none
  std::vector<std::string> overrides;  // --set, in order
  std::int64_t total_steps = 0;        // --steps: trainer.total_steps where positive
};
// The one resolution of a new run's or a benchmark's settings (train, sweep, bench update, bench
// bandit), checked against every key's range before anything is built from it.
Config resolve_config(const ConfigRequest& request);

// The closed interval [lo, hi] a numeric key's value must lie in (key_ranges.cpp).
struct KeyRange {
  double lo, hi;
};
// The range of a preset key, or nullptr for a key without one (strings, booleans, [run]).
const KeyRange* key_range(const std::string& key);

// The largest seed a run takes (run.seed): config.toml records it as a signed 64-bit integer.
constexpr std::uint64_t kMaxSeed = 9223372036854775807ull;

// Rows one network evaluation may hold at most (batch × samples): 4 Mi rows of a 256-wide layer
// are 4 GiB of activations.
constexpr std::int64_t kMaxRowsPerEvaluation = std::int64_t{1} << 22;

// A value as a user reads it in a message or a table: true, 128, 0.0003, "optimal-diag".
std::string value_text(const ConfigValue& value);

// The value a run folder's config.toml stands for when it lacks `key` because the key was added to
// the presets after the folder was written (rfm.source: such runs drew from the Gaussian source);
// nullptr for every other key.
const ConfigValue* value_before_key_existed(const std::string& key);

}  // namespace rfm::rl
