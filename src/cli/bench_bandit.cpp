// rfm bench bandit: how close an agent's policy comes to the exact Boltzmann policy exp(r/λ) of
// bandit-bimodal. The critic learns r from a replay of uniform actions (every step terminal, so
// y = r); after every --report-every updates the policy's exploring actions (for RFM one particle,
// no resampling) are binned on a 20 × 20 grid of [−1, 1]² and compared with the exact policy
// integrated over the same cells: total variation, mass in each mode's quadrant, action spread.
// For the Boltzmann-targeting methods (rfm, rfm-vp, rfm-ve, qne, dqs) exp(r/λ) is the fixed
// point; QSM and SAC have others, and the figures show how far from it they settle.
#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "rfm/agents/registry.h"
#include "rfm/flow/estimators.h"
#include "rfm/rl/bandit_harness.h"
#include "rfm/rl/config.h"
#include "rfm/util/error.h"
#include "rfm/util/format.h"

namespace rfm::cli {

namespace {
struct BenchBanditOptions {
  std::string algorithm = "rfm";
  std::vector<std::string> overrides;
  double temperature = 0.2;
  int64_t mc_samples = 64;
  int64_t batch_size = 64;
  int64_t updates = 2000;
  int64_t report_every = 250;
  int64_t samples = 4000;
  std::string estimator = "optimal-diag";
  std::string proposal = "on-policy";
  std::uint64_t seed = 11;
};

// The column of a statistic the agent reports (its critic and actor losses).
std::size_t statistic_index(const rl::Agent& agent, const std::string& name) {
  const auto& infos = agent.statistics();
  for (std::size_t k = 0; k < infos.size(); ++k)
    if (infos[k].name == name) return k;
  throw Error("the agent reports no statistic '" + name + "'");
}

void run_bench_bandit(const BenchBanditOptions& options) {
  const agents::AlgorithmInfo& algorithm = agents::algorithm_info(options.algorithm);
  // The paper preset with λ, one particle (no resampling) and the RFM family's estimator settings
  // from the command line, then the user's --set.
  rl::ConfigRequest request{configs_dir(), options.algorithm, "paper"};
  if (!algorithm.temperature_key.empty())
    request.command_settings.push_back(algorithm.temperature_key + "=" +
                                       format_shortest(options.temperature));
  request.command_settings.push_back("rfm.particles=1");
  request.command_settings.push_back("rfm.mc_samples=" + std::to_string(options.mc_samples));
  request.command_settings.push_back("rfm.estimator=" + options.estimator);
  request.command_settings.push_back("rfm.proposal=" + options.proposal);
  request.overrides = options.overrides;
  const rl::Config config = rl::resolve_config(request);
  const rl::AgentFactory& factory = algorithm.factory;
  const std::unique_ptr<rl::Agent> agent_owner =
      factory(config, rl::bandit_task_spec(), rl::AgentContext{options.seed});
  rl::Agent& agent = *agent_owner;
  rl::BanditHarness harness(/*replay_size=*/4096, options.batch_size, options.seed + 1);
  std::vector<double> statistics;
  const std::size_t critic_loss = statistic_index(agent, "critic_loss"),
                    actor_loss = statistic_index(agent, "actor_loss");
  std::printf("%s on bandit-bimodal, exact policy at λ = %g, B = %lld", options.algorithm.c_str(),
              options.temperature, static_cast<long long>(options.batch_size));
  if (config.has("rfm.estimator"))
    std::printf(", %s estimator, K = %lld, %s proposal", options.estimator.c_str(),
                static_cast<long long>(options.mc_samples), options.proposal.c_str());
  std::printf("\n");
  std::printf("%8s %11s %10s %7s %8s %8s %9s %9s %10s\n", "updates", "critic_loss", "actor_loss",
              "TV", "mode1", "mode2", "exact1", "exact2", "action_sd");
  for (int64_t update = 1; update <= options.updates; ++update) {
    harness.update(agent, statistics);
    if (update % options.report_every == 0 || update == options.updates) {
      const rl::BanditPolicyFit fit =
          rl::fit_to_bandit_boltzmann(agent, options.samples, options.temperature);
      std::printf("%8lld %11.5f %10.3f %7.3f %8.3f %8.3f %9.3f %9.3f %10.3f\n",
                  static_cast<long long>(update), statistics[critic_loss], statistics[actor_loss],
                  fit.total_variation, fit.first_mode, fit.second_mode, fit.exact_first,
                  fit.exact_second, fit.action_std);
      std::fflush(stdout);
    }
  }
}
}  // namespace

void add_bench_bandit_command(CLI::App& bench) {
  auto options = std::make_shared<BenchBanditOptions>();
  CLI::App* command = bench.add_subcommand(
      "bandit", "an agent's policy against the exact Boltzmann policy of bandit-bimodal");
  command->add_option("--algo", options->algorithm, algorithm_help())->capture_default_str();
  command->add_option("--set", options->overrides, "override one key of the paper preset")
      ->take_all();
  command
      ->add_option("--temperature", options->temperature,
                   "λ of the exact policy, also set as the algorithm's temperature")
      ->capture_default_str();
  command->add_option("--mc", options->mc_samples, "posterior draws K (RFM family)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--batch", options->batch_size, "batch size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--updates", options->updates, "updates")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--report-every", options->report_every, "updates between reports")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--estimator", options->estimator,
                   std::string("posterior-mean estimator (RFM family): ") + flow::kEstimatorNames)
      ->capture_default_str();
  command->add_option("--proposal", options->proposal, "on-policy | replay")->capture_default_str();
  command->add_option("--seed", options->seed, "seed")->capture_default_str();
  command->callback([options] { run_bench_bandit(*options); });
}

}  // namespace rfm::cli
