// Learning curves: finding run folders, reading eval.csv, and the mean and 95 % interval over
// seeds against values computed by hand.
#include "rfm/rl/learning_curves.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "rfm/util/error.h"
#include "scratch_folder.h"

namespace rfm::rl {
namespace {

namespace fs = std::filesystem;

class LearningCurvesTest : public ::testing::Test {
 protected:
  // Writes `text` to root/relative, creating its folders; returns the file's path.
  std::string write(const std::string& relative, const std::string& text) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  // A single-seed curve with the given steps and return means.
  static EvalCurve curve(const std::vector<std::int64_t>& steps, const std::vector<double>& means) {
    EvalCurve result;
    result.path = "seed.csv";
    result.steps = steps;
    result.return_means = means;
    result.return_stds.assign(steps.size(), 0.0);
    result.episodes.assign(steps.size(), 10.0);
    return result;
  }

  const test::ScratchFolder scratch_{"rfm_curves"};
  const fs::path root_ = scratch_.path();
};

TEST_F(LearningCurvesTest, StudentTQuantileTableAndExpansion) {
  EXPECT_NEAR(student_t_quantile_975(1), 12.706, 1e-3);
  EXPECT_NEAR(student_t_quantile_975(2), 4.303, 1e-3);
  EXPECT_NEAR(student_t_quantile_975(10), 2.228, 1e-3);
  EXPECT_NEAR(student_t_quantile_975(30), 2.042, 1e-3);
  // Beyond the table: t(31) = 2.0395, t(60) = 2.0003, t(120) = 1.9799; the normal quantile far out.
  EXPECT_NEAR(student_t_quantile_975(31), 2.0395, 1e-4);
  EXPECT_NEAR(student_t_quantile_975(60), 2.0003, 1e-4);
  EXPECT_NEAR(student_t_quantile_975(120), 1.9799, 1e-4);
  EXPECT_NEAR(student_t_quantile_975(100000), 1.96, 1e-4);
  EXPECT_THROW(student_t_quantile_975(0), Error);
}

TEST_F(LearningCurvesTest, ThreeSeedsGiveHandComputedMeanAndInterval) {
  // At step 1000 the seeds return 10, 20, 30: mean 20, sd 10, half-width 4.3027 · 10 / sqrt(3).
  // At step 2000 they return 1, 2, 3: mean 2, sd 1, half-width 4.3027 / sqrt(3).
  const AggregatedCurve aggregated = aggregate_seeds(
      {curve({1000, 2000}, {10, 1}), curve({1000, 2000}, {20, 2}), curve({1000, 2000}, {30, 3})});
  EXPECT_EQ(aggregated.seeds, 3);
  EXPECT_TRUE(aggregated.has_interval());
  EXPECT_FALSE(aggregated.seeds_differ);
  ASSERT_EQ(aggregated.steps, (std::vector<std::int64_t>{1000, 2000}));
  EXPECT_NEAR(aggregated.means[0], 20.0, 1e-12);
  EXPECT_NEAR(aggregated.lowers[0], 20.0 - 24.8417, 1e-3);
  EXPECT_NEAR(aggregated.uppers[0], 20.0 + 24.8417, 1e-3);
  EXPECT_NEAR(aggregated.means[1], 2.0, 1e-12);
  EXPECT_NEAR(aggregated.lowers[1], 2.0 - 2.48417, 1e-4);
  EXPECT_NEAR(aggregated.uppers[1], 2.0 + 2.48417, 1e-4);
}

TEST_F(LearningCurvesTest, TwoSeedsUseTwelvePointSeven) {
  // Values 0 and 2: mean 1, sd sqrt(2), half-width 12.7062 · sqrt(2) / sqrt(2) = 12.7062.
  const AggregatedCurve aggregated = aggregate_seeds({curve({5}, {0}), curve({5}, {2})});
  EXPECT_NEAR(aggregated.means[0], 1.0, 1e-12);
  EXPECT_NEAR(aggregated.uppers[0] - aggregated.means[0], 12.7062, 1e-4);
}

TEST_F(LearningCurvesTest, OneSeedHasNoInterval) {
  const AggregatedCurve aggregated = aggregate_seeds({curve({0, 10}, {3, 4})});
  EXPECT_EQ(aggregated.seeds, 1);
  EXPECT_FALSE(aggregated.has_interval());
  EXPECT_EQ(aggregated.means, (std::vector<double>{3, 4}));
  EXPECT_EQ(aggregated.lowers, aggregated.means);
  EXPECT_EQ(aggregated.uppers, aggregated.means);
}

TEST_F(LearningCurvesTest, SeedsOfDifferentLengthsKeepTheCommonSteps) {
  const AggregatedCurve aggregated =
      aggregate_seeds({curve({0, 1000, 2000, 3000}, {0, 1, 2, 3}),
                       curve({0, 1000, 2000}, {0, 3, 4}), curve({1000, 2000, 3000}, {5, 6, 7})});
  EXPECT_TRUE(aggregated.seeds_differ);
  EXPECT_EQ(aggregated.fewest_rows, 3u);
  EXPECT_EQ(aggregated.most_rows, 4u);
  ASSERT_EQ(aggregated.steps, (std::vector<std::int64_t>{1000, 2000}));
  EXPECT_NEAR(aggregated.means[0], 3.0, 1e-12);  // (1 + 3 + 5) / 3
  EXPECT_NEAR(aggregated.means[1], 4.0, 1e-12);  // (2 + 4 + 6) / 3
}

TEST_F(LearningCurvesTest, SeedsWithoutCommonStepsOrRowsAreErrors) {
  EXPECT_THROW(aggregate_seeds({}), Error);
  EXPECT_THROW(aggregate_seeds({curve({0, 10}, {1, 2}), curve({5, 15}, {1, 2})}), Error);
  try {
    aggregate_seeds({curve({0}, {1}), curve({}, {})});
    ADD_FAILURE() << "a seed without rows was aggregated";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("no evaluation rows"), std::string::npos);
  }
}

TEST_F(LearningCurvesTest, ReadsColumnsByNameAndKeepsTheLastRowOfARepeatedStep) {
  const std::string path = write("run/eval.csv",
                                 "episodes,step,wall_seconds,return_std,return_mean\n"
                                 "10,0,1.5,2.0,-1.5\n"
                                 "10,1000,3.0,4.0,12.25\n"
                                 "10,2000,4.5,1.0,30\n"
                                 "10,1000,6.0,5.0,14\n"  // resumed run re-evaluated step 1000
                                 "\n");
  const EvalCurve curve = read_eval_csv(path);
  EXPECT_EQ(curve.path, path);
  EXPECT_EQ(curve.steps, (std::vector<std::int64_t>{0, 1000, 2000}));
  EXPECT_EQ(curve.return_means, (std::vector<double>{-1.5, 14, 30}));
  EXPECT_EQ(curve.return_stds, (std::vector<double>{2, 5, 1}));
  EXPECT_EQ(curve.episodes, (std::vector<double>{10, 10, 10}));
}

TEST_F(LearningCurvesTest, HeaderOnlyFileHasNoRows) {
  const EvalCurve curve =
      read_eval_csv(write("run/eval.csv", "step,return_mean,return_std,episodes\n"));
  EXPECT_TRUE(curve.steps.empty());
}

// The message of the rfm::Error that reading `path` throws.
std::string read_error(const std::string& path) {
  try {
    read_eval_csv(path);
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST_F(LearningCurvesTest, BadFilesNameTheFileLineAndCause) {
  const std::string header = "step,return_mean,return_std,episodes\n";
  const std::string missing_column = write("a/eval.csv", "step,return_mean,episodes\n0,1,10\n");
  std::string message = read_error(missing_column);
  EXPECT_NE(message.find(missing_column), std::string::npos) << message;
  EXPECT_NE(message.find("line 1"), std::string::npos) << message;
  EXPECT_NE(message.find("return_std"), std::string::npos) << message;

  const std::string not_a_number = write("b/eval.csv", header + "0,1,1,10\n1000,abc,1,10\n");
  message = read_error(not_a_number);
  EXPECT_NE(message.find(not_a_number), std::string::npos) << message;
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  EXPECT_NE(message.find("return_mean 'abc'"), std::string::npos) << message;

  message = read_error(write("c/eval.csv", header + "1.5,1,1,10\n"));
  EXPECT_NE(message.find("line 2: step '1.5'"), std::string::npos) << message;
  message = read_error(write("d/eval.csv", header + "0,1,1\n"));
  EXPECT_NE(message.find("line 2: 3 fields"), std::string::npos) << message;
  message = read_error(write("e/eval.csv", header + "0,nan,1,10\n"));
  EXPECT_NE(message.find("not a finite number"), std::string::npos) << message;
  message = read_error(write("f/eval.csv", header + "0,12x,1,10\n"));
  EXPECT_NE(message.find("'12x'"), std::string::npos) << message;
  message = read_error(write("g/eval.csv", ""));
  EXPECT_NE(message.find("empty file"), std::string::npos) << message;
  message = read_error((root_ / "missing.csv").string());
  EXPECT_NE(message.find("cannot read"), std::string::npos) << message;
}

TEST_F(LearningCurvesTest, FindsRunFoldersRecursivelyAndSorted) {
  const std::string header = "step,return_mean,return_std,episodes\n";
  write("b/seed_1/eval.csv", header);
  write("a/seed_0/eval.csv", header);
  write("a/seed_0/checkpoint/eval.csv", header);  // inside a run folder: not a further seed
  write("a/seed_2/deeper/eval.csv", header);
  write("a/notes.txt", "not a run");
  fs::create_directories(root_ / "empty");
  fs::create_directory_symlink(root_, root_ / "a" / "loop");  // a cycle must not loop forever

  const std::vector<std::string> found = find_run_folders(root_.string());
  EXPECT_EQ(found, (std::vector<std::string>{(root_ / "a/seed_0").string(),
                                             (root_ / "a/seed_2/deeper").string(),
                                             (root_ / "b/seed_1").string()}));
  // A folder that holds eval.csv is itself the only run.
  const std::string run = (root_ / "a/seed_0").string();
  EXPECT_EQ(find_run_folders(run), std::vector<std::string>{run});
  EXPECT_TRUE(find_run_folders((root_ / "empty").string()).empty());
}

TEST_F(LearningCurvesTest, MissingOrNonDirectoryRootIsAnError) {
  EXPECT_THROW(find_run_folders((root_ / "nope").string()), Error);
  const std::string file = write("file.txt", "x");
  EXPECT_THROW(find_run_folders(file), Error);
}

TEST_F(LearningCurvesTest, CurveLabelIsTheBaseName) {
  EXPECT_EQ(curve_label("runs/rfm"), "rfm");
  EXPECT_EQ(curve_label("runs/rfm/"), "rfm");
  EXPECT_EQ(curve_label("sac"), "sac");
  EXPECT_EQ(curve_label("runs/./qsm//"), "qsm");
  EXPECT_EQ(curve_label("."), fs::current_path().filename().string());
}

}  // namespace
}  // namespace rfm::rl
