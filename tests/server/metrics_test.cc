// The metrics registry: histogram buckets, sparse series, callbacks and the exposition text.
#include "server/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace panorama::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HistogramTest, BucketsAreCumulativeWithSumAndCount) {
  const uint64_t bounds[] = {10, 100, 1000};
  Histogram h(bounds, 1000);
  for (uint64_t v : {5, 10, 11, 100, 5000}) h.Observe(v);
  EXPECT_EQ(h.cumulative(0), 2u);  // <= 10
  EXPECT_EQ(h.cumulative(1), 4u);  // <= 100
  EXPECT_EQ(h.cumulative(2), 4u);  // <= 1000
  EXPECT_EQ(h.cumulative(3), 5u);  // +Inf
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.sum(), 5126u);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h(LatencyBucketsNs(), 1e9);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (uint64_t i = 0; i < 10000; ++i) h.Observe(i * 1000 + static_cast<uint64_t>(t));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 40000u);
  EXPECT_EQ(h.cumulative(h.bucket_count()), 40000u);
}

TEST(MetricsRegistryTest, RendersTheExpositionFormat) {
  MetricsRegistry registry;
  Counter* a = registry.AddCounter("demo_total", "A demo counter.", "kind=\"a\"");
  registry.AddCounter("demo_total", "ignored", "kind=\"b\"")->Inc(2);
  a->Inc();
  registry.AddSparseCounter("demo_total", "", "kind=\"never\"");
  registry.AddGauge("demo_gauge", "A gauge.")->Set(-7);
  registry.AddCallback("demo_read", "Read at render time.", "gauge", "", [] { return 0.25; });
  const uint64_t bounds[] = {50'000, 1'000'000};
  Histogram* h =
      registry.AddHistogram("demo_seconds", "A histogram.",
                            "path=\"" + EscapeLabelValue("a\"b\\c\nd") + "\"", bounds, 1e9);
  h->Observe(20'000);
  h->Observe(2'000'000'000);
  const std::string text = registry.Render();
  EXPECT_EQ(text,
            "# HELP demo_total A demo counter.\n"
            "# TYPE demo_total counter\n"
            "demo_total{kind=\"a\"} 1\n"
            "demo_total{kind=\"b\"} 2\n"
            "# HELP demo_gauge A gauge.\n"
            "# TYPE demo_gauge gauge\n"
            "demo_gauge -7\n"
            "# HELP demo_read Read at render time.\n"
            "# TYPE demo_read gauge\n"
            "demo_read 0.25\n"
            "# HELP demo_seconds A histogram.\n"
            "# TYPE demo_seconds histogram\n"
            "demo_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"5e-05\"} 1\n"
            "demo_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"0.001\"} 1\n"
            "demo_seconds_bucket{path=\"a\\\"b\\\\c\\nd\",le=\"+Inf\"} 2\n"
            "demo_seconds_sum{path=\"a\\\"b\\\\c\\nd\"} 2.00002\n"
            "demo_seconds_count{path=\"a\\\"b\\\\c\\nd\"} 2\n");
  EXPECT_THAT(text, Not(HasSubstr("never")));
}

}  // namespace
}  // namespace panorama::server
