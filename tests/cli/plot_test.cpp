// rfm plot, run as a user would: learning curves from temporary run folders into SVG and PNG, the
// aggregated table, the notes, and one-line errors that leave no output file behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_support.h"
#include "scratch_folder.h"

namespace rfm::test {
namespace {

namespace fs = std::filesystem;

class CliPlot : public ::testing::Test {
 protected:
  // Writes an eval.csv with the standard header and the given rows into root/folder.
  void write_eval(const std::string& folder, const std::string& rows) {
    fs::create_directories(root_ / folder);
    std::ofstream(root_ / folder / "eval.csv")
        << "step,return_mean,return_std,episodes,wall_seconds\n"
        << rows;
  }

  // Three seeds of "alg_a" under nested folders (10/20/30 at step 1000) and one of "alg_b".
  void write_two_curves() {
    write_eval("alg_a/cartpole/seed_0", "0,0,1,10,1\n1000,10,1,10,2\n2000,1,1,10,3\n");
    write_eval("alg_a/cartpole/seed_1", "0,2,1,10,1\n1000,20,1,10,2\n2000,2,1,10,3\n");
    write_eval("alg_a/cartpole/seed_2", "0,4,1,10,1\n1000,30,1,10,2\n2000,3,1,10,3\n");
    write_eval("alg_b", "0,5,1,10,1\n1000,6,1,10,2\n2000,7,1,10,3\n");
  }

  std::string path(const std::string& relative) const { return (root_ / relative).string(); }

  // The command failed with status 1 and one line naming `cause`, and left no image behind.
  void expect_one_line_error(const CommandResult& result, const std::string& cause,
                             const std::string& out) {
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_EQ(count_lines(result.output), 1) << result.output;
    EXPECT_NE(result.output.find("rfm: error: "), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(cause), std::string::npos) << result.output;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out + ".tmp"));
  }

  const ScratchFolder scratch_{"rfm_plot"};
  const fs::path root_ = scratch_.path();
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(CliPlot, WritesSvgWithTheCurveLabelsAndTheAggregatedTable) {
  write_two_curves();
  const std::string svg = path("curves.svg"), csv = path("curves.csv");
  const auto result = run_rfm("plot " + path("alg_a") + " " + path("alg_b") + "/ --out " + svg +
                              " --csv " + csv + " --title 'cartpole swingup'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("'alg_b' has one seed"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(svg + ".tmp"));
  const std::string image = read_file(svg);
  EXPECT_NE(image.find("<svg"), std::string::npos);
  // Underscores stay literal (no enhanced-text subscripts), so the labels appear whole.
  EXPECT_NE(image.find("alg_a (3 seeds)"), std::string::npos);
  EXPECT_NE(image.find("alg_b (1 seed)"), std::string::npos);
  EXPECT_NE(image.find("cartpole swingup"), std::string::npos);

  // Step 1000: mean 20, half-width 4.3027 · 10 / sqrt(3) = 24.8417; one seed has no interval.
  std::istringstream table(read_file(csv));
  std::string line;
  std::getline(table, line);
  EXPECT_EQ(line, "step,curve,mean,lower,upper,seeds");
  std::vector<std::string> rows;
  while (std::getline(table, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1].substr(0, 22), "1000,alg_a,20,-4.84165") << rows[1];
  EXPECT_EQ(rows[1].substr(rows[1].size() - 2), ",3") << rows[1];
  EXPECT_EQ(rows[4], "1000,alg_b,6,,,1");
}

TEST_F(CliPlot, WritesPngAndNotesSeedsOfDifferentLengths) {
  write_eval("runs/seed_0", "0,1,1,10,1\n100,2,1,10,2\n200,3,1,10,3\n");
  write_eval("runs/seed_1", "0,2,1,10,1\n100,3,1,10,2\n");
  const std::string png = path("curves.png");
  const auto result = run_rfm("plot " + path("runs") + " --out " + png);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("different evaluation steps"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("runs (2 seeds, 2 steps)"), std::string::npos) << result.output;
  EXPECT_EQ(read_file(png).substr(1, 3), "PNG");
}

TEST_F(CliPlot, MissingFolderIsAnError) {
  const std::string out = path("x.svg");
  expect_one_line_error(run_rfm("plot " + path("nowhere") + " --out " + out), "does not exist",
                        out);
}

TEST_F(CliPlot, FolderWithoutEvalCsvIsAnError) {
  fs::create_directories(root_ / "empty" / "seed_0");
  const std::string out = path("x.svg");
  expect_one_line_error(run_rfm("plot " + path("empty") + " --out " + out), "no eval.csv under",
                        out);
}

TEST_F(CliPlot, BadHeaderNamesTheFileAndLine) {
  fs::create_directories(root_ / "run");
  std::ofstream(root_ / "run" / "eval.csv") << "step,return,episodes\n0,1,10\n";
  const std::string out = path("x.svg");
  expect_one_line_error(run_rfm("plot " + path("run") + " --out " + out),
                        path("run/eval.csv") + "' line 1: header has no column 'return_mean'", out);
}

TEST_F(CliPlot, NonNumericFieldNamesTheFileAndLine) {
  write_eval("run/seed_0", "0,1,1,10,1\n1000,oops,1,10,2\n");
  const std::string out = path("x.svg");
  expect_one_line_error(run_rfm("plot " + path("run") + " --out " + out),
                        path("run/seed_0/eval.csv") + "' line 3: return_mean 'oops'", out);
}

TEST_F(CliPlot, OnlyPngAndSvgAreAccepted) {
  write_two_curves();
  const std::string out = path("x.pdf");
  expect_one_line_error(run_rfm("plot " + path("alg_a") + " --out " + out),
                        "must end in .png or .svg", out);
}

TEST_F(CliPlot, MissingGnuplotIsAnError) {
  write_two_curves();
  const std::string out = path("x.svg");
  expect_one_line_error(run_rfm("plot " + path("alg_a") + " --out " + out, "PATH=/nonexistent"),
                        "gnuplot not found", out);
}

TEST_F(CliPlot, FailingGnuplotIsAnErrorWithItsMessage) {
  // A stand-in gnuplot that writes half an image, complains and fails.
  write_two_curves();
  fs::create_directories(root_ / "bin");
  const fs::path fake = root_ / "bin" / "gnuplot";
  std::ofstream(fake) << "#!/bin/sh\necho partial > " << path("x.svg.tmp")
                      << "\necho 'plot.gp line 7: all points y value undefined!' >&2\nexit 1\n";
  fs::permissions(fake, fs::perms::owner_all);
  const std::string out = path("x.svg");
  expect_one_line_error(
      run_rfm("plot " + path("alg_a") + " --out " + out, "PATH=" + path("bin") + ":/usr/bin:/bin"),
      "gnuplot failed (exit status 1): plot.gp line 7: all points y value undefined!", out);
}

}  // namespace
}  // namespace rfm::test
