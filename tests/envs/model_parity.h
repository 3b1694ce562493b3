// The model parity fixture: each domain's test file instantiates it for its model files, e.g.
//   RFM_MODEL_PARITY(Cartpole, "cartpole.xml", 1);
// which compares our models/cartpole.xml with ../shared/dmc/cartpole.xml field by field and over
// 200 control steps of 1 physics step each (skipped when ../shared is absent).
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace rfm::test {

struct ParityCase {
  std::string model_file;
  int substeps;  // physics steps per control step, as the tasks use them
};

inline void PrintTo(const ParityCase& c, std::ostream* os) {
  *os << c.model_file;
}

class ModelParity : public ::testing::TestWithParam<ParityCase> {};

}  // namespace rfm::test

#define RFM_MODEL_PARITY(name, file, substeps) \
  INSTANTIATE_TEST_SUITE_P(name, ModelParity,  \
                           ::testing::Values(::rfm::test::ParityCase{file, substeps}))
