#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace panorama::server {
namespace {

constexpr uint64_t kLatencyBucketsNs[] = {
    50'000,     100'000,    250'000,    500'000,     1'000'000,   2'500'000,   5'000'000,
    10'000'000, 25'000'000, 50'000'000, 100'000'000, 250'000'000, 500'000'000, 1'000'000'000};

constexpr uint64_t kSizeBuckets[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};

// A sample value: integers as such, other numbers in the shortest form that reads back.
void AppendValue(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", value);
  }
}

void AppendSeriesName(std::string_view name, std::string_view suffix, std::string_view labels,
                      std::string_view extra_label, std::string* out) {
  out->append(name);
  out->append(suffix);
  if (labels.empty() && extra_label.empty()) return;
  out->push_back('{');
  out->append(labels);
  if (!labels.empty() && !extra_label.empty()) out->push_back(',');
  out->append(extra_label);
  out->push_back('}');
}

}  // namespace

Histogram::Histogram(std::span<const uint64_t> upper_bounds, double scale)
    : bounds_count_(std::min(upper_bounds.size(), kMaxBuckets)), scale_(scale) {
  std::copy_n(upper_bounds.begin(), bounds_count_, bounds_.begin());
}

void Histogram::Observe(uint64_t value) {
  // Few buckets: a linear scan beats a binary search's branches.
  size_t i = 0;
  while (i < bounds_count_ && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Histogram::cumulative(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= std::min(i, bounds_count_); ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

std::span<const uint64_t> LatencyBucketsNs() { return kLatencyBucketsNs; }
std::span<const uint64_t> SizeBuckets() { return kSizeBuckets; }

MetricsRegistry::Family& MetricsRegistry::FamilyFor(std::string_view name, std::string_view help,
                                                    std::string_view type) {
  for (auto& family : families_) {
    if (family->name == name) return *family;
  }
  auto family = std::make_unique<Family>();
  family->name = name;
  family->help = help;
  family->type = type;
  families_.push_back(std::move(family));
  return *families_.back();
}

Counter* MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                     std::string labels) {
  std::lock_guard lock(mu_);
  Series& series = FamilyFor(name, help, "counter").series.emplace_back();
  series.labels = std::move(labels);
  series.counter = std::make_unique<Counter>();
  return series.counter.get();
}

Counter* MetricsRegistry::AddSparseCounter(std::string_view name, std::string_view help,
                                           std::string labels) {
  std::lock_guard lock(mu_);
  Series& series = FamilyFor(name, help, "counter").series.emplace_back();
  series.labels = std::move(labels);
  series.counter = std::make_unique<Counter>();
  series.sparse = true;
  return series.counter.get();
}

Gauge* MetricsRegistry::AddGauge(std::string_view name, std::string_view help, std::string labels) {
  std::lock_guard lock(mu_);
  Series& series = FamilyFor(name, help, "gauge").series.emplace_back();
  series.labels = std::move(labels);
  series.gauge = std::make_unique<Gauge>();
  return series.gauge.get();
}

Histogram* MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                         std::string labels, std::span<const uint64_t> upper_bounds,
                                         double scale) {
  std::lock_guard lock(mu_);
  Series& series = FamilyFor(name, help, "histogram").series.emplace_back();
  series.labels = std::move(labels);
  series.histogram = std::make_unique<Histogram>(upper_bounds, scale);
  return series.histogram.get();
}

void MetricsRegistry::AddHistogramView(std::string_view name, std::string_view help,
                                       std::string labels, const Histogram* histogram) {
  std::lock_guard lock(mu_);
  Series& series = FamilyFor(name, help, "histogram").series.emplace_back();
  series.labels = std::move(labels);
  series.view = histogram;
}

void MetricsRegistry::AddCallback(std::string_view name, std::string_view help,
                                  std::string_view type, std::string labels,
                                  std::function<double()> read) {
  std::lock_guard lock(mu_);
  Series& series = FamilyFor(name, help, type).series.emplace_back();
  series.labels = std::move(labels);
  series.read = std::move(read);
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out.reserve(8192);
  std::string le;
  for (const auto& family : families_) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", family->name,
                   family->help, family->name, family->type);
    for (const Series& s : family->series) {
      if (s.histogram || s.view != nullptr) {
        const Histogram& h = s.histogram ? *s.histogram : *s.view;
        for (size_t i = 0; i <= h.bucket_count(); ++i) {
          le = "le=\"";
          if (i < h.bucket_count()) {
            AppendValue(static_cast<double>(h.upper_bound(i)) / h.scale(), &le);
          } else {
            le += "+Inf";
          }
          le += '"';
          AppendSeriesName(family->name, "_bucket", s.labels, le, &out);
          fmt::format_to(std::back_inserter(out), " {}\n", h.cumulative(i));
        }
        AppendSeriesName(family->name, "_sum", s.labels, "", &out);
        out.push_back(' ');
        AppendValue(static_cast<double>(h.sum()) / h.scale(), &out);
        out.push_back('\n');
        AppendSeriesName(family->name, "_count", s.labels, "", &out);
        fmt::format_to(std::back_inserter(out), " {}\n", h.count());
        continue;
      }
      if (s.counter) {
        uint64_t value = s.counter->value();
        if (s.sparse && value == 0) continue;
        AppendSeriesName(family->name, "", s.labels, "", &out);
        fmt::format_to(std::back_inserter(out), " {}\n", value);
      } else if (s.gauge) {
        AppendSeriesName(family->name, "", s.labels, "", &out);
        fmt::format_to(std::back_inserter(out), " {}\n", s.gauge->value());
      } else if (s.read) {
        AppendSeriesName(family->name, "", s.labels, "", &out);
        out.push_back(' ');
        AppendValue(s.read(), &out);
        out.push_back('\n');
      }
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '"') {
      out += "\\\"";
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace panorama::server
