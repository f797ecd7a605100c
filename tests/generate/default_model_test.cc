// Learnability of loan defaults in `panorama generate` (docs/generator.md (Credit)): a
// gradient-boosted model (XGBoost through its C API) trained on point-in-time behavioural
// features that the test computes itself from the files — what the borrower did before the
// loan was issued, never the outcome, days past due, status or anything dated after the issue —
// ranks the defaults of later loans with an AUC in the realistic band [0.65, 0.90]: the outcome
// follows behaviour, but not so closely that it is given away.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/schema.h"
#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::WorldOptions;

constexpr int kIssued = 0, kDefault = 3;
constexpr int kMerchantBorrower = 0, kCustomerBorrower = 1;

WorldOptions DefaultModelWorld() {
  WorldOptions options;
  options.customers = 5'000;
  options.merchants = 4'000;
  options.days = 270;
  options.seed = 41;
  options.loan_rate = 20;
  return options;
}

// One loan whose outcome is known inside the world, with its features at issue.
struct Sample {
  Timestamp issued_at = 0;
  std::vector<float> features;
  int defaulted = 0;
};

class DefaultModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir("gen-default-model");
    world_ = new World(GenerateAndRead(DefaultModelWorld(), dir_));
    if (!world_->error.empty()) return;
    ReadDailyFigures();
    BuildSamples();
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
    RemoveDir(dir_);
  }
  void SetUp() override { ASSERT_EQ(world_->error, ""); }

  static size_t Days() { return static_cast<size_t>(world_->options.days); }
  static int DayOf(Timestamp ts) { return static_cast<int>((ts - start_) / kDay); }

  // Daily figures of merchants and customers (world_data.h), and their opening dates.
  static void ReadDailyFigures() {
    const World& w = *world_;
    start_ = w.summary.end - static_cast<Timestamp>(w.options.days) * kDay;
    DailyFigures daily = BuildDailyFigures(w);
    sales_ = std::move(daily.sales);
    purchases_ = std::move(daily.purchases);
    refunds_ = std::move(daily.refunds);
    out_ = std::move(daily.out);
    in_ = std::move(daily.in);
    for (const MerchantRow& m : w.merchants) opened_.emplace(m.id, m.opened_at);
    for (const CustomerRow& c : w.customers) {
      joined_.emplace(c.id, c.joined_at);
      income_band_[c.id] = c.income_band;
    }
  }

  // Sum of a daily figure over days [from, to) clipped to the world.
  static double Sum(const std::vector<double>& figure, uint32_t entity, int from, int to) {
    double s = 0;
    for (int d = std::max(0, from); d < to; ++d)
      s += figure[entity * Days() + static_cast<size_t>(d)];
    return s;
  }

  // Features of a merchant loan issued on day `d`, from the days before it.
  static std::vector<float> MerchantFeatures(const LoanRow& l) {
    const uint32_t m = l.borrower;
    const int d = DayOf(l.issued_at);
    const int open_day = std::max(0, DayOf(opened_.at(m) + kDay - 1));
    const int seen = d - open_day;  // days of history the lender has
    const double s30 = Sum(sales_, m, d - 30, d), s60 = Sum(sales_, m, d - 60, d),
                 s90 = Sum(sales_, m, d - 90, d);
    // Weekly log sales slope over up to 8 full weeks.
    double slope = NAN;
    const int weeks = std::min(8, seen / 7);
    if (weeks >= 3) {
      double sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (int k = 0; k < weeks; ++k) {
        const double x = -k, y = std::log1p(Sum(sales_, m, d - 7 * (k + 1), d - 7 * k));
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      slope = (weeks * sxy - sx * sy) / (weeks * sxx - sx * sx);
    }
    // Volatility: coefficient of variation of daily sales over the last 56 days.
    const int from = std::max(open_day, d - 56);
    double sum = 0, sum2 = 0;
    for (int k = from; k < d; ++k) {
      const double v = sales_[m * Days() + static_cast<size_t>(k)];
      sum += v;
      sum2 += v * v;
    }
    const double n = std::max(1, d - from);
    const double mean = sum / n;
    const double cv = mean > 0 ? std::sqrt(std::max(0.0, sum2 / n - mean * mean)) / mean : 3.0;
    const double purchases = Sum(purchases_, m, from, d), refunds = Sum(refunds_, m, from, d);
    const double recent = Sum(sales_, m, d - 14, d) / 14.0,
                 earlier = Sum(sales_, m, d - 56, d - 14) / 42.0;
    const double tenure = static_cast<double>(l.issued_at - opened_.at(m)) / kDay;
    const double principal = static_cast<double>(l.principal) / 100.0;
    return {static_cast<float>(std::log1p(s30)),
            static_cast<float>(std::log1p(s60)),
            static_cast<float>(std::log1p(s90)),
            static_cast<float>(slope),
            static_cast<float>(std::log((recent + 50) / (earlier + 50))),
            static_cast<float>(cv),
            static_cast<float>(purchases > 0 ? refunds / purchases : NAN),
            static_cast<float>(std::log1p(purchases)),
            static_cast<float>(std::min(tenure, 3650.0)),
            static_cast<float>(seen),
            static_cast<float>(std::log(principal / (s30 + 100))),
            static_cast<float>(l.term_days)};
  }

  // Features of a consumer loan from the customer's flows before the issue day, its profile
  // and the loans still open at the issue time.
  static std::vector<float> CustomerFeatures(const LoanRow& l, int open_loans) {
    const uint32_t c = l.borrower;
    const int d = DayOf(l.issued_at);
    const double in30 = Sum(in_, c, d - 30, d), out30 = Sum(out_, c, d - 30, d);
    const double in90 = Sum(in_, c, d - 90, d), out90 = Sum(out_, c, d - 90, d);
    const double principal = static_cast<double>(l.principal) / 100.0;
    const double tenure = static_cast<double>(l.issued_at - joined_.at(c)) / kDay;
    return {static_cast<float>(std::log1p(in30)),
            static_cast<float>(std::log1p(in90)),
            static_cast<float>(std::log1p(out30)),
            static_cast<float>(in30 > 0 ? out30 / in30 : NAN),
            static_cast<float>(in90 > 0 ? out90 / in90 : NAN),
            static_cast<float>(std::log(principal / (in30 + 100))),
            static_cast<float>(open_loans),
            static_cast<float>(std::min(tenure, 3650.0)),
            static_cast<float>(income_band_.at(c)),
            static_cast<float>(l.term_days)};
  }

  static void BuildSamples() {
    struct History {
      LoanRow issued;
      bool has_issued = false;
      Timestamp final_ts = 0;
      int final_status = -1;
    };
    std::map<uint32_t, History> loans;
    for (const LoanRow& row : world_->loans) {
      History& h = loans[row.id];
      if (row.status == kIssued) {
        h.issued = row;
        h.has_issued = true;
      } else {
        h.final_ts = row.ts;
        h.final_status = row.status;
      }
    }
    // Loans per customer, for the count of loans open at an issue time.
    std::map<uint32_t, std::vector<const History*>> by_customer;
    for (const auto& [id, h] : loans) {
      if (h.has_issued && h.issued.borrower_type == kCustomerBorrower) {
        by_customer[h.issued.borrower].push_back(&h);
      }
    }
    for (const auto& [id, h] : loans) {
      if (!h.has_issued || h.final_status < 0) continue;
      if (h.issued.due_at + 31 * kDay > world_->summary.end) continue;  // outcome may be unknown
      Sample s;
      s.issued_at = h.issued.issued_at;
      s.defaulted = h.final_status == kDefault ? 1 : 0;
      if (h.issued.borrower_type == kMerchantBorrower) {
        s.features = MerchantFeatures(h.issued);
        merchant_.push_back(std::move(s));
      } else {
        int open = 0;
        for (const History* other : by_customer[h.issued.borrower]) {
          if (other != &h && other->issued.issued_at < h.issued.issued_at &&
              (other->final_status < 0 || other->final_ts > h.issued.issued_at)) {
            ++open;
          }
        }
        s.features = CustomerFeatures(h.issued, open);
        customer_.push_back(std::move(s));
      }
    }
  }

  // Trains on the first 60 % of loans by issue time and returns the AUC on the rest.
  static double TimeSplitAuc(std::vector<Sample> samples, int* train_defaults, int* test_defaults) {
    std::stable_sort(samples.begin(), samples.end(),
                     [](const Sample& a, const Sample& b) { return a.issued_at < b.issued_at; });
    const size_t cut = samples.size() * 6 / 10;
    const int features = static_cast<int>(samples[0].features.size());
    std::vector<float> train, train_labels, test;
    std::vector<int> test_labels;
    *train_defaults = *test_defaults = 0;
    for (size_t i = 0; i < samples.size(); ++i) {
      const Sample& s = samples[i];
      if (i < cut) {
        train.insert(train.end(), s.features.begin(), s.features.end());
        train_labels.push_back(static_cast<float>(s.defaulted));
        *train_defaults += s.defaulted;
      } else {
        test.insert(test.end(), s.features.begin(), s.features.end());
        test_labels.push_back(s.defaulted);
        *test_defaults += s.defaulted;
      }
    }
    BoostParams params;
    params.rounds = 100;
    params.max_depth = 3;
    params.eta = 0.08;
    params.subsample = 0.8;
    params.min_child_weight = 5;
    std::string error;
    const std::vector<float> scores =
        TrainAndPredict(train, train_labels, test, features, params, &error);
    EXPECT_EQ(error, "");
    if (scores.size() != test_labels.size()) return NAN;
    return RocAuc(scores, test_labels);
  }

  static std::string dir_;
  static World* world_;
  static Timestamp start_;
  static std::vector<double> sales_, purchases_, refunds_, out_, in_;
  static std::map<uint32_t, Timestamp> opened_, joined_;
  static std::map<uint32_t, int> income_band_;
  static std::vector<Sample> merchant_, customer_;
};
std::string DefaultModelTest::dir_;
World* DefaultModelTest::world_ = nullptr;
Timestamp DefaultModelTest::start_ = 0;
std::vector<double> DefaultModelTest::sales_, DefaultModelTest::purchases_,
    DefaultModelTest::refunds_, DefaultModelTest::out_, DefaultModelTest::in_;
std::map<uint32_t, Timestamp> DefaultModelTest::opened_, DefaultModelTest::joined_;
std::map<uint32_t, int> DefaultModelTest::income_band_;
std::vector<Sample> DefaultModelTest::merchant_, DefaultModelTest::customer_;

TEST_F(DefaultModelTest, MerchantLoanDefaultsAreLearnableButNotGivenAway) {
  int train_defaults = 0, test_defaults = 0;
  const double auc = TimeSplitAuc(merchant_, &train_defaults, &test_defaults);
  std::printf("merchant loans %zu, defaults train %d test %d, AUC %.3f\n", merchant_.size(),
              train_defaults, test_defaults, auc);
  ASSERT_GT(test_defaults, 100) << "too few defaults for a stable AUC";
  EXPECT_GE(auc, 0.65);
  EXPECT_LE(auc, 0.90);
}

TEST_F(DefaultModelTest, ConsumerLoanDefaultsAreLearnableButNotGivenAway) {
  int train_defaults = 0, test_defaults = 0;
  const double auc = TimeSplitAuc(customer_, &train_defaults, &test_defaults);
  std::printf("consumer loans %zu, defaults train %d test %d, AUC %.3f\n", customer_.size(),
              train_defaults, test_defaults, auc);
  ASSERT_GT(test_defaults, 100) << "too few defaults for a stable AUC";
  EXPECT_GE(auc, 0.65);
  EXPECT_LE(auc, 0.90);
}

}  // namespace
}  // namespace panorama::gentest
