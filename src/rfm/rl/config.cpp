#include "rfm/rl/config.h"

#include <toml++/toml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rfm/util/error.h"
#include "rfm/util/format.h"

namespace rfm::rl {

namespace {
const char* type_name(const ConfigValue& value) {
  switch (value.index()) {
    case 0:
      return "a boolean";
    case 1:
      return "an integer";
    case 2:
      return "a number";
    default:
      return "a string";
  }
}

toml::table parse_toml_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw Error("config file '" + path + "' is a folder, not a TOML file");
  std::ifstream probe(path);
  if (!probe) throw Error("cannot read config file '" + path + "'");
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << "config file '" << path << "' line " << e.source().begin.line << ": "
            << e.description();
    throw Error(message.str());
  }
}

// Flattens nested tables into dotted keys, skipping the tables named in `skip` at the top level.
void flatten(const toml::table& table, const std::string& prefix,
             std::vector<std::pair<std::string, ConfigValue>>& out, const std::string& origin,
             const std::string& skip = "") {
  for (const auto& [raw_key, node] : table) {
    const std::string key =
        prefix.empty() ? std::string(raw_key.str()) : prefix + "." + std::string(raw_key.str());
    if (prefix.empty() && !skip.empty() && key == skip) continue;
    if (const auto* sub = node.as_table()) {
      flatten(*sub, key, out, origin);
    } else if (const auto* b = node.as_boolean()) {
      out.emplace_back(key, b->get());
    } else if (const auto* i = node.as_integer()) {
      out.emplace_back(key, i->get());
    } else if (const auto* f = node.as_floating_point()) {
      out.emplace_back(key, f->get());
    } else if (const auto* s = node.as_string()) {
      out.emplace_back(key, s->get());
    } else {
      throw Error(origin + ": key '" + key +
                  "' has an unsupported value (use a boolean, number "
                  "or string)");
    }
  }
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}
}  // namespace

Config Config::from_preset(const std::string& configs_dir, const std::string& algorithm,
                           const std::string& preset) {
  const std::string path = configs_dir + "/" + algorithm + ".toml";
  std::ifstream probe(path);
  if (!probe) throw Error("unknown algorithm '" + algorithm + "' (no preset file " + path + ")");
  const toml::table table = parse_toml_file(path);
  Config config;
  std::vector<std::pair<std::string, ConfigValue>> entries;
  flatten(table, "", entries, path, "preset");
  for (const auto& [key, value] : entries) config.values_[key] = value;
  // The named preset overrides the defaults; "paper" is the defaults themselves.
  const toml::table* presets = table["preset"].as_table();
  if (preset != "paper") {
    const toml::table* chosen = presets ? (*presets)[preset].as_table() : nullptr;
    if (!chosen) {
      std::string known = "paper";
      if (presets)
        for (const auto& [name, node] : *presets)
          if (node.is_table()) known += ", " + std::string(name.str());
      throw Error("unknown preset '" + preset + "' for algorithm '" + algorithm +
                  "' (known: " + known + ")");
    }
    std::vector<std::pair<std::string, ConfigValue>> overrides;
    flatten(*chosen, "", overrides, path + " [preset." + preset + "]");
    for (const auto& [key, value] : overrides)
      config.assign(key, value, path + " [preset." + preset + "]");
  }
  return config;
}

Config Config::from_file(const std::string& path) {
  Config config;
  std::vector<std::pair<std::string, ConfigValue>> entries;
  flatten(parse_toml_file(path), "", entries, path);
  for (const auto& [key, value] : entries) config.values_[key] = value;
  return config;
}

void Config::merge_file(const std::string& path) {
  std::vector<std::pair<std::string, ConfigValue>> entries;
  flatten(parse_toml_file(path), "", entries, path);
  for (const auto& [key, value] : entries) assign(key, value, "config file '" + path + "'");
}

void Config::assign(const std::string& key, const ConfigValue& value, const std::string& origin) {
  auto it = values_.find(key);
  if (it == values_.end()) throw Error(origin + ": unknown key '" + key + "'");
  // An integer literal is accepted for a float key ("lr = 1").
  const bool widening = it->second.index() == 2 && value.index() == 1;
  if (it->second.index() != value.index() && !widening)
    throw Error(origin + ": key '" + key + "' must be " + type_name(it->second) + ", got " +
                type_name(value));
  it->second = widening ? ConfigValue(static_cast<double>(std::get<std::int64_t>(value))) : value;
}

void Config::set(const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos) throw Error("--set '" + assignment + "': expected key=value");
  const std::string key = trim(assignment.substr(0, equals));
  const std::string text = trim(assignment.substr(equals + 1));
  const ConfigValue& existing = lookup(key);
  const std::string origin = "--set " + key;
  try {
    std::size_t used = 0;
    switch (existing.index()) {
      case 0:
        if (text != "true" && text != "false") throw std::invalid_argument("bool");
        values_[key] = text == "true";
        return;
      case 1: {
        const long long parsed = std::stoll(text, &used);
        if (used != text.size()) throw std::invalid_argument("int");
        values_[key] = static_cast<std::int64_t>(parsed);
        return;
      }
      case 2: {
        const double parsed = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(parsed)) throw std::invalid_argument("double");
        values_[key] = parsed;
        return;
      }
      default:
        values_[key] = text;
        return;
    }
  } catch (const std::logic_error&) {
    throw Error(origin + ": '" + text + "' is not " + type_name(existing));
  }
}

void Config::check_range(const std::string& key, const ConfigValue& value) const {
  const KeyRange* range = key_range(key);
  if (!range || (value.index() != 1 && value.index() != 2)) return;  // the getter names the type
  const double number = value.index() == 1 ? static_cast<double>(std::get<std::int64_t>(value))
                                           : std::get<double>(value);
  if (number >= range->lo && number <= range->hi) return;
  throw Error("config key '" + key + "' = " + value_text(value) + " is outside its range [" +
              value_text(range->lo) + ", " + value_text(range->hi) + "]");
}

const ConfigValue& Config::lookup(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw Error("unknown config key '" + key + "'");
  return it->second;
}

bool Config::get_bool(const std::string& key) const {
  const auto& value = lookup(key);
  if (value.index() != 0) throw Error("config key '" + key + "' is not a boolean");
  return std::get<bool>(value);
}

std::int64_t Config::get_int(const std::string& key) const {
  const auto& value = lookup(key);
  if (value.index() != 1) throw Error("config key '" + key + "' is not an integer");
  check_range(key, value);
  return std::get<std::int64_t>(value);
}

double Config::get_double(const std::string& key) const {
  const auto& value = lookup(key);
  check_range(key, value);
  if (value.index() == 1) return static_cast<double>(std::get<std::int64_t>(value));
  if (value.index() != 2) throw Error("config key '" + key + "' is not a number");
  return std::get<double>(value);
}

const std::string& Config::get_string(const std::string& key) const {
  const auto& value = lookup(key);
  if (value.index() != 3) throw Error("config key '" + key + "' is not a string");
  return std::get<std::string>(value);
}

void Config::check_ranges() const {
  for (const auto& [key, value] : values_)
    if (value.index() == 1 || value.index() == 2) check_range(key, value);
}

void Config::check_product(const std::string& key_a, const std::string& key_b, std::int64_t limit,
                           const std::string& what) const {
  const std::int64_t a = get_int(key_a), b = get_int(key_b);
  // Both are at least 1 and at most 1e12 (their ranges), so the test cannot overflow.
  if (a > limit / b)
    throw Error("config keys " + key_a + " × " + key_b + " = " + std::to_string(a) + " × " +
                std::to_string(b) + " " + what + ", more than the limit of " +
                std::to_string(limit));
}

std::string Config::to_toml() const {
  std::ostringstream out;
  auto write_value = [&out](const ConfigValue& value) {
    switch (value.index()) {
      case 0:
        out << (std::get<bool>(value) ? "true" : "false");
        break;
      case 1:
        out << std::get<std::int64_t>(value);
        break;
      case 2: {
        // The shortest text that reads back to the same double, and a decimal point so that
        // the value reads back as a float.
        std::string text = format_shortest(std::get<double>(value));
        if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
        out << text;
        break;
      }
      default:
        out << toml::value<std::string>(std::get<std::string>(value));
        break;
    }
    out << "\n";
  };
  // Top-level keys first (TOML puts them before any table), then one table per section.
  for (const auto& [key, value] : values_)
    if (key.find('.') == std::string::npos) {
      out << key << " = ";
      write_value(value);
    }
  std::string section;
  for (const auto& [key, value] : values_) {
    const auto dot = key.rfind('.');
    if (dot == std::string::npos) continue;
    if (key.substr(0, dot) != section) {
      section = key.substr(0, dot);
      out << (out.tellp() > 0 ? "\n" : "") << "[" << section << "]\n";
    }
    out << key.substr(dot + 1) << " = ";
    write_value(value);
  }
  return out.str();
}

Config resolve_config(const ConfigRequest& request) {
  Config config = Config::from_preset(request.configs_dir, request.algorithm, request.preset);
  for (const std::string& setting : request.command_settings)
    if (config.has(trim(setting.substr(0, setting.find('='))))) config.set(setting);
  if (!request.config_file.empty()) config.merge_file(request.config_file);
  for (const std::string& assignment : request.overrides) config.set(assignment);
  if (request.total_steps > 0)
    config.set("trainer.total_steps=" + std::to_string(request.total_steps));
  config.check_ranges();
  return config;
}

const ConfigValue* value_before_key_existed(const std::string& key) {
  static const std::map<std::string, ConfigValue> values = {
      {"rfm.source", ConfigValue(std::string("gaussian"))}};
  const auto found = values.find(key);
  return found == values.end() ? nullptr : &found->second;
}

std::string value_text(const ConfigValue& value) {
  if (const double* number = std::get_if<double>(&value)) return format_shortest(*number);
  std::ostringstream text;
  std::visit([&text](const auto& held) { text << std::boolalpha << held; }, value);
  return text.str();
}

}  // namespace rfm::rl
