// A seeded random number generator with fixed, library-independent draws, so that the same seed
// gives the same sequence on every standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

namespace rfm {

// Distinct, fixed seed streams derived from one seed (splitmix64 of the seed, a salt naming the
// stream, and an index within it).
inline std::uint64_t derived_seed(std::uint64_t seed, std::uint64_t salt, std::uint64_t index) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + salt * 0xBF58476D1CE4E5B9ull + index;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    engine_.seed(seed);
    has_spare_normal_ = false;
  }

  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Standard normal by the polar Box-Muller method.
  double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_normal_ = v * factor;
    has_spare_normal_ = true;
    return u * factor;
  }

  std::uint64_t next_u64() { return engine_(); }

  // Full state as text, for checkpoints (the cached normal is stored bit-exactly).
  template <class Stream>
  void save(Stream& out) const {
    std::uint64_t bits;
    std::memcpy(&bits, &spare_normal_, sizeof bits);
    out << engine_ << ' ' << has_spare_normal_ << ' ' << bits;
  }
  template <class Stream>
  void load(Stream& in) {
    std::uint64_t bits = 0;
    in >> engine_ >> has_spare_normal_ >> bits;
    std::memcpy(&spare_normal_, &bits, sizeof bits);
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace rfm
