// Networks: embedding values, ensemble equals separate MLPs, Polyak averaging, initialisation.
#include "rfm/nn/networks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace rfm::nn {
namespace {

TEST(SinusoidalEmbedding, MatchesTheFormula) {
  const auto x = torch::tensor({0.0f, 0.3f, 0.99f});
  const auto embedding = sinusoidal_embedding(x);
  ASSERT_EQ(embedding.sizes(), (std::vector<int64_t>{3, 128}));
  for (int row = 0; row < 3; ++row) {
    const double value = x[row].item<double>();
    for (int k : {0, 1, 31, 63}) {
      const double frequency = std::exp(-k * std::log(1000.0) / 63.0);
      EXPECT_NEAR(embedding[row][k].item<double>(), std::sin(value * frequency), 1e-6);
      EXPECT_NEAR(embedding[row][64 + k].item<double>(), std::cos(value * frequency), 1e-6);
    }
  }
}

TEST(CriticEnsemble, EachMemberIsAnIndependentReluMlp) {
  torch::manual_seed(0);
  CriticEnsemble critic(3, 2, /*members=*/2, /*hidden=*/8);
  // Make biases non-zero so that they are exercised.
  {
    torch::NoGradGuard no_grad;
    for (auto& b : critic->biases) b.normal_();
  }
  const auto s = torch::randn({5, 3}), a = torch::randn({5, 2});
  const auto q = critic->forward(s, a);
  ASSERT_EQ(q.sizes(), (std::vector<int64_t>{2, 5}));
  const auto input = torch::cat({s, a}, 1);
  for (int e = 0; e < 2; ++e) {
    auto h = torch::relu(input.matmul(critic->weights[0][e]) + critic->biases[0][e]);
    h = torch::relu(h.matmul(critic->weights[1][e]) + critic->biases[1][e]);
    const auto expected = (h.matmul(critic->weights[2][e]) + critic->biases[2][e]).squeeze(-1);
    EXPECT_TRUE(torch::allclose(q[e], expected, 1e-5, 1e-6));
  }
  EXPECT_FALSE(torch::allclose(q[0], q[1]));  // members differ
  EXPECT_TRUE(torch::equal(critic->min_q(s, a), std::get<0>(q.min(0))));
}

TEST(CriticEnsemble, OrthogonalRowsWithGainAndZeroBias) {
  torch::manual_seed(1);
  CriticEnsemble critic(4, 2, 2, 16);
  const auto w = critic->weights[1][0];  // [16, 16]: square, so w^T w = 2 I
  EXPECT_TRUE(torch::allclose(w.t().matmul(w), 2.0 * torch::eye(16), 1e-4, 1e-4));
  EXPECT_EQ(critic->biases[0].abs().sum().item<float>(), 0.0f);
}

TEST(CriticEnsemble, PolyakMovesTowardTheSource) {
  torch::manual_seed(2);
  CriticEnsemble target(3, 1, 2, 8), online(3, 1, 2, 8);
  const auto before = target->weights[0].clone();
  target->polyak_update_from(*online, 0.25);
  EXPECT_TRUE(torch::allclose(target->weights[0], 0.75 * before + 0.25 * online->weights[0]));
}

TEST(VelocityNetwork, ShapesAndGradientsReachEveryLayer) {
  torch::manual_seed(3);
  VelocityNetwork actor(5, 2, 32);
  const auto v = actor->forward(torch::randn({4, 5}), torch::randn({4, 2}), torch::rand({4}),
                                torch::full({4}, 0.02));
  ASSERT_EQ(v.sizes(), (std::vector<int64_t>{4, 2}));
  v.pow(2).sum().backward();
  for (const auto& p : actor->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<float>(), 0.0f);
  }
}

TEST(VelocityNetwork, SplitFirstLayerEqualsTheFullForward) {
  torch::manual_seed(3);
  VelocityNetwork network(5, 3);
  // Non-zero biases so that the bias term is checked too.
  {
    torch::NoGradGuard no_grad;
    network->input->bias.normal_();
  }
  const auto state = torch::randn({7, 5}), u = torch::randn({7, 3});
  const auto temperature = torch::full({7}, 0.02);
  for (double t : {0.01, 0.37, 0.99}) {
    const auto full = network->forward(state, u, torch::full({7}, t), temperature);
    const auto split =
        network->forward_conditioned(network->condition_features(state, temperature), u, t);
    EXPECT_TRUE(torch::allclose(full, split, 1e-5, 1e-5)) << "t = " << t;
  }
}

}  // namespace
}  // namespace rfm::nn
