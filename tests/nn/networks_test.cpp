// Networks: embedding values, ensemble equals separate MLPs, Polyak averaging, initialisation.
#include "rfm/nn/networks.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace rfm::nn {
namespace {

at::Generator weights_generator(std::uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

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
  CriticEnsemble critic(weights_generator(0), 3, 2, /*members=*/2, /*hidden=*/8);
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
  CriticEnsemble critic(weights_generator(1), 4, 2, 2, 16);
  const auto w = critic->weights[1][0];  // [16, 16]: square, so w^T w = 2 I
  EXPECT_TRUE(torch::allclose(w.t().matmul(w), 2.0 * torch::eye(16), 1e-4, 1e-4));
  EXPECT_EQ(critic->biases[0].abs().sum().item<float>(), 0.0f);
}

TEST(CriticEnsemble, PolyakMovesTowardTheSource) {
  CriticEnsemble target(weights_generator(2), 3, 1, 2, 8), online(weights_generator(3), 3, 1, 2, 8);
  const auto before = target->weights[0].clone();
  target->polyak_update_from(*online, 0.25);
  EXPECT_TRUE(torch::allclose(target->weights[0], 0.75 * before + 0.25 * online->weights[0]));
}

TEST(VelocityNetwork, ShapesAndGradientsReachEveryLayer) {
  torch::manual_seed(3);
  VelocityNetwork actor(weights_generator(3), 5, 2, 32);
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
  VelocityNetwork network(weights_generator(3), 5, 3);
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

TEST(Initialisation, TheGeneratorAloneFixesTheWeights) {
  // LibTorch's global generator in two different states: same weights from the same generator
  // seed, other weights from another.
  torch::manual_seed(10);
  VelocityNetwork first(weights_generator(4), 5, 2, 16);
  CriticEnsemble first_critic(weights_generator(4), 5, 2, 2, 16);
  torch::manual_seed(11);
  VelocityNetwork second(weights_generator(4), 5, 2, 16), other(weights_generator(5), 5, 2, 16);
  CriticEnsemble second_critic(weights_generator(4), 5, 2, 2, 16);
  for (std::size_t i = 0; i < first->parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(first->parameters()[i], second->parameters()[i])) << i;
  for (std::size_t i = 0; i < first_critic->parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(first_critic->parameters()[i], second_critic->parameters()[i])) << i;
  EXPECT_FALSE(torch::equal(first->input->weight, other->input->weight));
}

TEST(Initialisation, OrthogonalFillOfWideAndTallMatrices) {
  // Orthonormal rows (wide) or columns (tall), times the gain.
  for (const auto& [rows, columns] : {std::pair<int64_t, int64_t>{4, 9}, {9, 4}, {6, 6}}) {
    torch::Tensor weight = torch::empty({rows, columns});
    orthogonal_(weight, 1.5, weights_generator(7));
    const torch::Tensor gram =
        rows <= columns ? weight.matmul(weight.t()) : weight.t().matmul(weight);
    const int64_t size = std::min(rows, columns);
    EXPECT_TRUE(torch::allclose(gram, 2.25 * torch::eye(size), 1e-5, 1e-5))
        << rows << " x " << columns;
  }
}

}  // namespace
}  // namespace rfm::nn
