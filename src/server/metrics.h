// Metrics: counters, gauges and fixed-bucket histograms updated with relaxed atomics, and a
// registry that renders them in the Prometheus text exposition format 0.0.4.
//
// Contract:
//  - Registration (Add*) happens at start-up and is serialized by the registry's mutex; the
//    returned pointers stay valid for the registry's lifetime.
//  - Updates (Inc, Set, Observe) are lock-free and allocation-free, safe from any thread.
//  - Render() may run concurrently with updates; each value is read atomically, a histogram's
//    buckets, sum and count as they stand (a scrape racing an Observe may see the count one
//    ahead of a bucket; Prometheus tolerates that).
//  - Names follow [a-zA-Z_:][a-zA-Z0-9_:]*; label values are escaped on output.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace panorama::server {

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations are integers in the histogram's own unit (nanoseconds, items); `scale` converts
// them to the exported unit (1e9 for seconds from nanoseconds), so no atomic double is needed.
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 24;
  // `upper_bounds` ascending, in the histogram's unit, at most kMaxBuckets (+Inf is implied).
  Histogram(std::span<const uint64_t> upper_bounds, double scale);

  void Observe(uint64_t value);

  size_t bucket_count() const { return bounds_count_; }
  uint64_t upper_bound(size_t i) const { return bounds_[i]; }
  double scale() const { return scale_; }
  // Observations <= upper_bound(i) (cumulative); i == bucket_count() gives all.
  uint64_t cumulative(size_t i) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::array<uint64_t, kMaxBuckets> bounds_{};
  size_t bounds_count_ = 0;
  double scale_ = 1;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};  // not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
};

// Latency buckets from 50 µs to 1 s, in nanoseconds (for Histogram(..., 1e9)).
std::span<const uint64_t> LatencyBucketsNs();
// Group sizes 1, 2, 4, ... 8192.
std::span<const uint64_t> SizeBuckets();

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // `labels` is the rendered label set without braces, e.g. `result="decided"` (values
  // escaped by the caller with EscapeLabelValue), or empty. Series of one family share the
  // name, help and type; the first registration of a name sets its help.
  Counter* AddCounter(std::string_view name, std::string_view help, std::string labels = "");
  Gauge* AddGauge(std::string_view name, std::string_view help, std::string labels = "");
  Histogram* AddHistogram(std::string_view name, std::string_view help, std::string labels,
                          std::span<const uint64_t> upper_bounds, double scale);
  // A histogram owned elsewhere (it must outlive the registry).
  void AddHistogramView(std::string_view name, std::string_view help, std::string labels,
                        const Histogram* histogram);
  // A value read at render time (for state owned elsewhere, e.g. the log's last seq).
  void AddCallback(std::string_view name, std::string_view help, std::string_view type,
                   std::string labels, std::function<double()> read);
  // A counter series shown only once it is non-zero (label sets known up front, most of
  // which never occur, such as a path with every status code).
  Counter* AddSparseCounter(std::string_view name, std::string_view help, std::string labels);

  // The exposition text: families in registration order, `# HELP` and `# TYPE` once each.
  std::string Render() const;

 private:
  struct Series {
    std::string labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    const Histogram* view = nullptr;
    std::function<double()> read;
    bool sparse = false;
  };
  struct Family {
    std::string name;
    std::string help;
    std::string type;  // counter, gauge, histogram
    std::vector<Series> series;
  };
  Family& FamilyFor(std::string_view name, std::string_view help, std::string_view type);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

// Escapes '\\', '"' and newlines of a label value.
std::string EscapeLabelValue(std::string_view value);

}  // namespace panorama::server
