// The rfm program's sampling and benchmark commands: bad input gives one clear line and a non-zero
// exit; a small sampling run writes the documented CSV.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "scratch_folder.h"

namespace {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Outcome run(const std::string& arguments) {
  const std::string command = std::string(RFM_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

int count_lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

TEST(CliSample, UnknownEnergyIsOneClearLine) {
  const Outcome outcome = run("sample --energy lj99 --samples 10");
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_EQ(count_lines(outcome.output), 1) << outcome.output;
  EXPECT_NE(outcome.output.find("unknown energy 'lj99'"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("gmm40, dw4, toy2d"), std::string::npos) << outcome.output;
}

TEST(CliSample, UnknownEstimatorIsOneClearLine) {
  for (const char* bad : {"optimal", "eta=abc"}) {
    const Outcome outcome = run(std::string("sample --energy gmm40 --estimator ") + bad);
    EXPECT_NE(outcome.exit_code, 0);
    EXPECT_EQ(count_lines(outcome.output), 1) << outcome.output;
    EXPECT_NE(outcome.output.find("snis, eta0, eta1, eta=<x>, optimal-iso, optimal-diag"),
              std::string::npos)
        << outcome.output;
  }
}

TEST(CliSample, BadSideAndMethodAreRejected) {
  EXPECT_NE(run("sample --energy toy2d --side middle").exit_code, 0);
  EXPECT_NE(run("sample --energy toy2d --method rk4").exit_code, 0);
  EXPECT_NE(run("sample --energy toy2d --samples 0").exit_code, 0);
}

// The source and SDE options: each bad combination is one line naming what to do instead.
TEST(CliSample, BadSourceAndSdeSettingsAreOneClearLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"--source cauchy", "gaussian, uniform, laplace, student-t"},
      {"--sde-noise 1 --method heun", "--method euler"},
      {"--score-estimator eta1", "only by the SDE sampler"},
      {"--source uniform --estimator optimal-diag", "means take estimator snis only"},
      {"--source uniform --estimator snis --sde-noise 1", "takes estimator eta1 only"},
  };
  for (const auto& [arguments, expected] : cases) {
    const Outcome outcome = run(std::string("sample --energy toy2d --samples 4 ") + arguments);
    EXPECT_EQ(outcome.exit_code, 1) << arguments;
    EXPECT_EQ(count_lines(outcome.output), 1) << outcome.output;
    EXPECT_NE(outcome.output.find("rfm: error: "), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find(expected), std::string::npos) << outcome.output;
  }
  EXPECT_NE(run("sample --energy toy2d --sde-noise -1").exit_code, 0);
}

// A non-Gaussian source with the SDE runs, names its settings and is fixed by its seed.
TEST(CliSample, LaplaceSourceSdeRunsAndIsReproducible) {
  const rfm::test::ScratchFolder scratch("rfm_sample_sde");
  const std::string first = scratch / "first.csv", second = scratch / "second.csv";
  const std::string arguments =
      "sample --energy toy2d --source laplace --sde-noise 1 --score-estimator eta0 --samples 20 "
      "--steps 10 --mc 32 --seed 4 --out ";
  const Outcome outcome = run(arguments + first);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("source laplace"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("sde(gamma=1, score eta0)"), std::string::npos) << outcome.output;
  ASSERT_EQ(run(arguments + second).exit_code, 0);
  std::ifstream a(first), b(second);
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  EXPECT_FALSE(sa.str().empty());
  EXPECT_EQ(sa.str(), sb.str());
}

TEST(CliSample, WritesCsvAndPrintsW2) {
  const rfm::test::ScratchFolder scratch("rfm_sample");
  const std::string path = scratch / "first.csv";
  const Outcome outcome =
      run("sample --energy toy2d --estimator optimal-diag --samples 50 --steps 10 --mc 32 --seed 3 "
          "--out " +
          path);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("w2 "), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("energy_evaluations 16000"), std::string::npos) << outcome.output;
  std::ifstream csv(path);
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "x0,x1");
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 50);
  // Same seed, same samples.
  const std::string second = scratch / "second.csv";
  ASSERT_EQ(run("sample --energy toy2d --estimator optimal-diag --samples 50 --steps 10 --mc 32 "
                "--seed 3 --out " +
                second)
                .exit_code,
            0);
  std::ifstream a(path), b(second);
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  EXPECT_EQ(sa.str(), sb.str());
}

TEST(CliBench, GemmReportsTheBlasLibrary) {
  const Outcome outcome = run("bench gemm --sizes 128 --rounds 3");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("blas "), std::string::npos) << outcome.output;
}

}  // namespace
