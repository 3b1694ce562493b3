// Every bad input of tests/cli/bad_inputs.txt (written by scripts/fuzz-cli --write-data) is
// refused the same way: status 1, one 'rfm: error:' line on stderr, and a finished run folder
// given to the command ({RUN}) byte-identical afterwards. The cases are split over a few shards
// so that CTest runs them in parallel; a failure names the case's line.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_folder.h"

namespace rfm::test {
namespace {

namespace fs = std::filesystem;
constexpr int kShards = 8;

struct BadInputs {
  std::string run_fixture;  // the `rfm` arguments that make {RUN}, from the "@RUN" line
  std::vector<std::pair<int, std::string>> cases;  // (line number, case)
};

BadInputs read_bad_inputs() {
  BadInputs inputs;
  std::ifstream file(RFM_BAD_INPUTS_FILE);
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.rfind("@RUN ", 0) == 0)
      inputs.run_fixture = line.substr(5);
    else if (!line.empty() && line[0] != '#')
      inputs.cases.emplace_back(number, line);
  }
  return inputs;
}

std::map<std::string, std::string> snapshot(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      files[entry.path().string()] = std::string(std::istreambuf_iterator<char>(in), {});
    }
  return files;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Runs `rfm <arguments>` in `folder`; returns the exit status (-1 for a signal) and stderr.
std::pair<int, std::string> run_in(const fs::path& folder, const std::string& arguments) {
  const std::string command = "cd '" + folder.string() + "' && exec timeout -s KILL 120 " +
                              std::string(RFM_BINARY) + " " + arguments + " 2>&1 >/dev/null";
  std::string stderr_text;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe)) stderr_text += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, stderr_text};
}

// The fixtures a case names, fresh for each case: {RUN} a finished run, {FILE} a regular file,
// {EMPTY} an empty folder, {OTHER} a folder with a user's file, {READONLY} a folder without write
// permission, {MISSING} a path that does not exist, {NOACT} a model folder whose cartpole.xml has
// no actuators.
std::string with_fixtures(const std::string& text, const fs::path& folder,
                          const fs::path& finished_run) {
  fs::copy(finished_run, folder / "run", fs::copy_options::recursive);
  std::ofstream(folder / "file") << "not a run\n";
  fs::create_directories(folder / "empty");
  fs::create_directories(folder / "other");
  std::ofstream(folder / "other" / "notes.txt") << "a user's file\n";
  fs::create_directories(folder / "readonly");
  fs::permissions(folder / "readonly", fs::perms(0555));
  fs::create_directories(folder / "noact");
  std::ifstream model(std::string(RFM_DEFAULT_MODEL_DIR) + "/cartpole.xml");
  std::string xml(std::istreambuf_iterator<char>(model), {});
  const auto begin = xml.find("<actuator>"), end = xml.find("</actuator>");
  if (begin != std::string::npos && end != std::string::npos)
    xml.erase(begin, end + std::string("</actuator>").size() - begin);
  std::ofstream(folder / "noact" / "cartpole.xml") << xml;
  std::string command = text;
  for (const char* name : {"RUN", "FILE", "EMPTY", "OTHER", "READONLY", "MISSING", "NOACT"}) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    command = replace_all(command, "{" + std::string(name) + "}", (folder / lower).string());
  }
  return command;
}

class BadInputsTest : public ::testing::TestWithParam<int> {};

TEST_P(BadInputsTest, EachIsRefusedWithOneErrorLineAndStatusOneLeavingTheRunIntact) {
  const BadInputs inputs = read_bad_inputs();
  ASSERT_GE(inputs.cases.size(), 300u) << "cannot read " << RFM_BAD_INPUTS_FILE;
  ASSERT_FALSE(inputs.run_fixture.empty()) << "no '@RUN' line in " << RFM_BAD_INPUTS_FILE;
  const ScratchFolder scratch("rfm_bad_inputs");
  const fs::path finished_run = scratch.path() / "finished";
  const auto made = run_in(scratch.path(), inputs.run_fixture + " --out " + finished_run.string());
  ASSERT_EQ(made.first, 0) << made.second;
  int checked = 0;
  for (std::size_t i = GetParam(); i < inputs.cases.size(); i += kShards) {
    const auto& [line, text] = inputs.cases[i];
    const fs::path folder = scratch.path() / ("case" + std::to_string(line));
    fs::create_directories(folder);
    const std::string arguments = with_fixtures(text, folder, finished_run);
    const auto before = snapshot(folder / "run");
    const auto [status, stderr_text] = run_in(folder, arguments);
    std::istringstream lines(stderr_text);
    std::vector<std::string> nonempty;
    for (std::string each; std::getline(lines, each);)
      if (each.find_first_not_of(" \t") != std::string::npos) nonempty.push_back(each);
    const std::string where = "bad_inputs.txt line " + std::to_string(line) + ": rfm " + text;
    EXPECT_EQ(status, 1) << where << "\n" << stderr_text;
    EXPECT_EQ(nonempty.size(), 1u) << where << "\n" << stderr_text;
    if (!nonempty.empty()) {
      EXPECT_EQ(nonempty[0].rfind("rfm: error: ", 0), 0u) << where;
    }
    EXPECT_TRUE(snapshot(folder / "run") == before) << where << ": the run folder changed";
    fs::permissions(folder / "readonly", fs::perms(0755));
    fs::remove_all(folder);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Shard, BadInputsTest, ::testing::Range(0, kShards));

}  // namespace
}  // namespace rfm::test
