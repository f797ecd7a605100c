// Seeded randomness with results that are identical on every platform and standard library:
// xoshiro256** for bits and our own distributions (std:: distributions are not specified
// bit-for-bit, so "same seed, same bytes" needs these).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

namespace panorama::generate {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One independent random stream. Streams for different purposes are derived from the world
// seed and a stream number, so that changing one component does not shift another's draws.
// 128-bit products for Below(); __extension__ keeps -Wpedantic quiet about the GCC type.
__extension__ using Uint128 = unsigned __int128;

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t s = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (auto& word : state_) word = SplitMix64(s);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n); n > 0. Lemire's multiply-shift (bias below 2^-32 for our n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<Uint128>(Next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Standard normal by the Box-Muller transform (both values are not cached: one draw, one
  // call, so that call sequences stay easy to reason about).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  // exp(N(mu, sigma)): median exp(mu).
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }
  double Exponential(double rate) { return -std::log(1.0 - Uniform()) / rate; }
  // Poisson: inversion by multiplication for small means, rounded normal above 30.
  int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      const double x = std::round(Normal(mean, std::sqrt(mean)));
      return x < 0 ? 0 : static_cast<int64_t>(x);
    }
    const double limit = std::exp(-mean);
    int64_t k = 0;
    double p = Uniform();
    while (p > limit) {
      ++k;
      p *= Uniform();
    }
    return k;
  }
  // Pareto with scale xm and shape alpha (heavy tail): xm / U^(1/alpha).
  double Pareto(double xm, double alpha) { return xm / std::pow(1.0 - Uniform(), 1.0 / alpha); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

// Walker's alias method: O(1) draws from a fixed discrete distribution.
class AliasTable {
 public:
  AliasTable() = default;
  // Weights need not be normalised; at least one must be positive.
  explicit AliasTable(std::span<const double> weights) {
    const size_t n = weights.size();
    prob_.assign(n, 0.0);
    alias_.assign(n, 0);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / total;
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (uint32_t i : large) prob_[i] = 1.0;
    for (uint32_t i : small) prob_[i] = 1.0;
  }
  size_t size() const { return prob_.size(); }
  uint32_t Draw(Rng& rng) const {
    const auto i = static_cast<uint32_t>(rng.Below(prob_.size()));
    return rng.Uniform() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace panorama::generate
