// The random streams of a run, each derived from the run seed with its own salt
// (util/rng.h derived_seed). The values are part of the run format: changing one changes every
// run's results.
#pragma once

#include <cstdint>

namespace rfm::rl {

enum RunSeedStream : std::uint64_t {
  kTrainingEpisodeSeeds = 1,    // index: the training episode
  kEvaluationEpisodeSeeds = 2,  // index: the evaluation episode (the same at every evaluation)
  kActingSeed = 3,              // the exploring actions' generator
  kEvaluationActingSeed = 4,    // re-seeded at every evaluation
  kReplaySeed = 5,              // warm-up actions and replay sampling
  kAgentSeed = 6                // AgentContext::seed
};

}  // namespace rfm::rl
