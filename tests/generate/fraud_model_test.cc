// Learnability of fraud in `panorama generate` (docs/generator.md (Crime), "What a model
// can learn"): gradient-boosted trees (XGBoost C API) trained on simple point-in-time
// behavioural features that this test computes from the files reach a realistic AUC on later
// days, and no single trivial column gives the fraud away.
//
// The features of a transaction see only the transactions before it in the file (time order);
// none is the label, the pattern, an id as a number or a field only fraud carries. The model
// scores the outgoing transactions (purchases, withdrawals, transfers, payments); laundering
// transactions are left out (they are not card or account fraud).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <iostream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/schema.h"
#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::WorldOptions;

WorldOptions ModelWorld() {
  WorldOptions options;
  options.customers = 3'000;
  options.merchants = 300;
  options.days = 90;
  options.seed = 21;
  options.fraud_rate = 0.01;  // enough positives in the test days
  options.aml_rate = 0.005;
  return options;
}
constexpr int kTrainDays = 60;  // train on days [0, 60), test on [60, 90)
// One genuine training row in kNegativeStride is kept (all fraud rows are): the trees see
// the same patterns, and training stays fast under the sanitizers. Test rows are all kept.
constexpr uint64_t kNegativeStride = 8;

// One thread: on a machine shared with other test binaries XGBoost's OpenMP threads would
// mostly wait for each other.
BoostParams Params() {
  BoostParams params;
  params.nthread = 1;
  return params;
}

enum Feature : int {
  kLogAmount,
  kHomeCurrency,
  kAmountVsUsual,        // log10 of the amount over the customer's running geometric mean
  kLogSecondsSinceCard,  // since the card's previous transaction
  kCardTxLastHour,
  kCardMerchantsLastHour,
  kNewDevice,    // a device the customer has not used before
  kNewMerchant,  // a merchant the customer has not paid before
  kNewIp,
  kForeign,
  kLocalHour,
  kChannel,
  kType,
  kKmFromHome,
  kCustomerTxLastDay,
  kFeatureCount,
};

struct Dataset {
  std::vector<float> train, test;
  std::vector<float> train_labels;
  std::vector<int> test_labels;
  std::vector<size_t> train_tx, test_tx;  // transaction index of each row
};

struct CustomerState {
  std::unordered_set<uint32_t> devices, merchants, ips;
  double log_sum = 0;
  int count = 0;
  std::deque<Timestamp> recent;  // last 24 h
};
struct CardState {
  Timestamp last = 0;
  std::deque<std::pair<Timestamp, uint32_t>> recent;  // last hour: time, merchant
};

bool Outgoing(const Tx& t) {
  return t.type == tx_type::kPurchase || t.type == tx_type::kWithdrawal ||
         t.type == tx_type::kTransfer || t.type == tx_type::kPayment;
}

// 1: card or account fraud, 0: genuine, -1: laundering (left out).
std::vector<int> FraudTargets(const World& w) {
  std::vector<int> target(w.tx.size(), 0);
  for (const Label& l : w.labels) {
    if (!l.is_fraud || l.tx == 0 || l.tx > w.tx.size()) continue;
    target[l.tx - 1] = l.pattern.rfind("aml_", 0) == 0 ? -1 : 1;
  }
  return target;
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The transaction joins the history that the later ones see.
void UpdateState(const Tx& t, bool cny, double log_amount, CustomerState& cu, CardState* card) {
  cu.recent.push_back(t.ts);
  if (t.device != kAbsent) cu.devices.insert(t.device);
  if (t.merchant != kAbsent) cu.merchants.insert(t.merchant);
  if (t.ip != 0) cu.ips.insert(t.ip);
  if (cny && Outgoing(t)) {
    cu.log_sum += log_amount;
    ++cu.count;
  }
  if (card != nullptr) {
    card->last = t.ts;
    card->recent.emplace_back(t.ts, t.merchant);
  }
}

Dataset BuildDataset(const World& w) {
  std::unordered_map<uint32_t, std::pair<double, double>> home;
  for (const CustomerRow& c : w.customers)
    home.emplace(c.id, std::make_pair(c.home_lat, c.home_lon));
  const std::vector<int> target = FraudTargets(w);
  const Timestamp split =
      w.summary.end - static_cast<Timestamp>(w.options.days - kTrainDays) * kDay;
  std::unordered_map<uint32_t, CustomerState> customers;
  std::unordered_map<uint32_t, CardState> cards;
  Dataset data;
  float row[kFeatureCount];
  for (size_t i = 0; i < w.tx.size(); ++i) {
    const Tx& t = w.tx[i];
    CustomerState& cu = customers[t.customer];
    while (!cu.recent.empty() && cu.recent.front() <= t.ts - kDay) cu.recent.pop_front();
    CardState* card = t.card == kAbsent ? nullptr : &cards[t.card];
    if (card != nullptr) {
      while (!card->recent.empty() && card->recent.front().first <= t.ts - kHour) {
        card->recent.pop_front();
      }
    }
    const bool cny = t.home_currency;
    const double log_amount = std::log10(t.amount_major + 0.01);
    if (Outgoing(t) && target[i] >= 0) {
      std::fill(row, row + kFeatureCount, NAN);
      row[kLogAmount] = static_cast<float>(log_amount);
      row[kHomeCurrency] = cny ? 1.0F : 0.0F;
      if (cny && cu.count >= 3) {
        row[kAmountVsUsual] = static_cast<float>(log_amount - cu.log_sum / cu.count);
      }
      if (card != nullptr) {
        if (card->last != 0) {
          row[kLogSecondsSinceCard] = static_cast<float>(
              std::log10(1.0 + static_cast<double>(t.ts - card->last) / kMicrosPerSecond));
        }
        row[kCardTxLastHour] = static_cast<float>(card->recent.size());
        std::unordered_set<uint32_t> distinct;
        for (const auto& [ts, m] : card->recent) distinct.insert(m);
        row[kCardMerchantsLastHour] = static_cast<float>(distinct.size());
      }
      if (t.device != kAbsent) row[kNewDevice] = cu.devices.count(t.device) ? 0.0F : 1.0F;
      if (t.merchant != kAbsent) row[kNewMerchant] = cu.merchants.count(t.merchant) ? 0.0F : 1.0F;
      if (t.ip != 0) row[kNewIp] = cu.ips.count(t.ip) ? 0.0F : 1.0F;
      if (t.country != 0) row[kForeign] = t.country == kCountryCn ? 0.0F : 1.0F;
      row[kLocalHour] = static_cast<float>(LocalHour(t.ts));
      row[kChannel] = t.channel;
      row[kType] = t.type;
      const auto h = home.find(t.customer);
      if (!std::isnan(t.lat) && h != home.end()) {
        row[kKmFromHome] =
            static_cast<float>(DistanceKm(h->second.first, h->second.second, t.lat, t.lon));
      }
      row[kCustomerTxLastDay] = static_cast<float>(cu.recent.size());
      const bool train = t.ts < split;
      if (train && target[i] == 0 && SplitMix(i) % kNegativeStride != 0) {
        UpdateState(t, cny, log_amount, cu, card);
        continue;
      }
      (train ? data.train : data.test)
          .insert((train ? data.train : data.test).end(), row, row + kFeatureCount);
      if (train) {
        data.train_labels.push_back(static_cast<float>(target[i]));
        data.train_tx.push_back(i);
      } else {
        data.test_labels.push_back(target[i]);
        data.test_tx.push_back(i);
      }
    }
    UpdateState(t, cny, log_amount, cu, card);
  }
  return data;
}

class FraudModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = MakeTempDir("gen-fraud-model");
    world_ = new World(GenerateAndRead(ModelWorld(), root_ + "/world"));
    if (world_->error.empty()) data_ = new Dataset(BuildDataset(*world_));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete world_;
    RemoveDir(root_);
  }
  void SetUp() override {
    ASSERT_EQ(world_->error, "");
    ASSERT_NE(data_, nullptr);
  }

  // The test AUC of a model trained on the columns `features` of the dataset.
  static double AucOf(const std::vector<int>& features, const BoostParams& params) {
    const size_t k = features.size();
    std::vector<float> train, test;
    train.reserve(data_->train_labels.size() * k);
    test.reserve(data_->test_labels.size() * k);
    for (size_t r = 0; r < data_->train_labels.size(); ++r) {
      for (int f : features) train.push_back(data_->train[r * kFeatureCount + f]);
    }
    for (size_t r = 0; r < data_->test_labels.size(); ++r) {
      for (int f : features) test.push_back(data_->test[r * kFeatureCount + f]);
    }
    std::string error;
    const auto scores =
        TrainAndPredict(train, data_->train_labels, test, static_cast<int>(k), params, &error);
    EXPECT_EQ(error, "");
    if (scores.size() != data_->test_labels.size()) return NAN;
    return RocAuc(scores, data_->test_labels);
  }
  // A one-column model on a value computed per row from its transaction.
  // A one-column model on a value computed from each row's transaction, on the rows whose
  // transaction passes `keep`.
  template <typename F, typename K>
  static double SingleColumnAuc(F&& value, K&& keep) {
    std::vector<float> train, train_labels, test;
    std::vector<int> test_labels;
    for (size_t r = 0; r < data_->train_tx.size(); ++r) {
      const Tx& t = world_->tx[data_->train_tx[r]];
      if (!keep(t)) continue;
      train.push_back(value(t));
      train_labels.push_back(data_->train_labels[r]);
    }
    for (size_t r = 0; r < data_->test_tx.size(); ++r) {
      const Tx& t = world_->tx[data_->test_tx[r]];
      if (!keep(t)) continue;
      test.push_back(value(t));
      test_labels.push_back(data_->test_labels[r]);
    }
    BoostParams params = Params();
    params.rounds = 30;
    params.max_depth = 3;
    std::string error;
    const auto scores = TrainAndPredict(train, train_labels, test, 1, params, &error);
    EXPECT_EQ(error, "");
    if (scores.size() != test_labels.size()) return NAN;
    return RocAuc(scores, test_labels);
  }
  template <typename F>
  static double SingleColumnAuc(F&& value) {
    return SingleColumnAuc(value, [](const Tx&) { return true; });
  }
  // The AUC of the model on every feature (trained once).
  static double FullAuc() {
    if (std::isnan(full_auc_)) full_auc_ = AucOf(AllFeatures(), Params());
    return full_auc_;
  }

  static std::vector<int> AllFeatures() {
    std::vector<int> all;
    for (int f = 0; f < kFeatureCount; ++f) all.push_back(f);
    return all;
  }

  static std::string root_;
  static World* world_;
  static Dataset* data_;
  static double full_auc_;
};
double FraudModelTest::full_auc_ = NAN;
std::string FraudModelTest::root_;
World* FraudModelTest::world_ = nullptr;
Dataset* FraudModelTest::data_ = nullptr;

TEST_F(FraudModelTest, EnoughFraudOnBothSidesOfTheTimeSplit) {
  double train_pos = 0;
  for (float y : data_->train_labels) train_pos += y;
  int test_pos = 0;
  for (int y : data_->test_labels) test_pos += y;
  EXPECT_GT(train_pos, 1500);
  EXPECT_GT(test_pos, 700);
  EXPECT_GT(data_->test_labels.size(), 50'000u);
}

TEST_F(FraudModelTest, BehaviouralFeaturesDetectFraudOnLaterDaysWithARealisticAuc) {
  const double auc = FullAuc();
  EXPECT_GE(auc, 0.85) << "fraud too hard to learn";
  EXPECT_LE(auc, 0.995) << "fraud too easy: the generator gives it away";
  std::cout << "fraud AUC " << auc << "\n";
}

TEST_F(FraudModelTest, AmountAloneIsWeakerThanBehaviour) {
  // Fraud amounts overlap genuine ones: amount alone must not do the model's job.
  const double amount = AucOf({kLogAmount, kHomeCurrency}, Params());
  const double all = FullAuc();
  EXPECT_LT(amount, all - 0.05) << "amount " << amount << " vs all " << all;
  std::cout << "amount AUC " << amount << "\n";
}

TEST_F(FraudModelTest, ThePurchaseAmountsCentsGiveNothingAway) {
  // Fraudsters' purchases carry cents as real prices do; only the round card tests and the
  // rounded collusion sales (crime.md) are whole amounts. (Transfers and cash are round for
  // everyone, so across types the cents would only echo the type.)
  const double auc =
      SingleColumnAuc([](const Tx& t) { return static_cast<float>(t.amount % 100); },
                      [](const Tx& t) { return t.home_currency && t.type == tx_type::kPurchase; });
  EXPECT_GT(auc, 0.44);
  EXPECT_LT(auc, 0.56);
  std::cout << "cents AUC " << auc << "\n";
}

TEST_F(FraudModelTest, TheTransactionIdGivesNothingAway) {
  const double parity = SingleColumnAuc([](const Tx& t) { return static_cast<float>(t.id % 2); });
  EXPECT_GT(parity, 0.44);
  EXPECT_LT(parity, 0.56);
  const double last_digits =
      SingleColumnAuc([](const Tx& t) { return static_cast<float>(t.id % 1000); });
  EXPECT_GT(last_digits, 0.44);
  EXPECT_LT(last_digits, 0.56);
  std::cout << "id parity AUC " << parity << ", last digits " << last_digits << "\n";
}

TEST_F(FraudModelTest, TheDeviceIdGivesNothingAway) {
  // Fraudsters' devices are new to their victims (a real signal, measured by the features),
  // but their ids must not stand out as numbers.
  const double auc = SingleColumnAuc([](const Tx& t) { return static_cast<float>(t.device); },
                                     [](const Tx& t) { return t.device != kAbsent; });
  EXPECT_GT(auc, 0.44);
  EXPECT_LT(auc, 0.56);
  std::cout << "device id AUC " << auc << "\n";
}

TEST_F(FraudModelTest, TheTimestampsMillisecondsGiveNothingAway) {
  const double auc =
      SingleColumnAuc([](const Tx& t) { return static_cast<float>((t.ts / 1000) % 1000); });
  EXPECT_GT(auc, 0.44);
  EXPECT_LT(auc, 0.56);
  std::cout << "milliseconds AUC " << auc << "\n";
}

}  // namespace
}  // namespace panorama::gentest
