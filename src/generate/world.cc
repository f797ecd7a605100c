// The day loop: one simulated day at a time, in the order described at the top of world.h.
// Everything the loop keeps is per entity (customers, merchants, accounts) or bounded (the
// day's transactions, the record streams' queues); only the incident list grows, by a few
// entries a month.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "generate/internal/world_run.h"

namespace panorama::generate {
namespace {

constexpr Timestamp kMicrosPerHour = 3600 * kMicrosPerSecond;
// Bank outages: on average one per this many days, lasting 1 to 4 hours.
constexpr double kOutageMeanGapDays = 30;
constexpr int64_t kOutageMinSeconds = 3'600, kOutageMaxSeconds = 14'400;
// Genuine transactions an analyst reviews and clears: a share of them, labelled is_fraud=false
// between 2 hours and 5 days later.
constexpr double kClearedShare = 0.0005;
constexpr int64_t kClearedMinSeconds = 7'200, kClearedMaxSeconds = 432'000;  // 2 h, 5 days
// Disputes (non-fraud chargebacks) of genuine purchases, by what the merchant is going
// through: a service dispute anywhere, more at a declining merchant, many in the month before
// a merchant stops trading (paid for, never delivered). Filed 7 to 60 days after the
// purchase, at a failed merchant 3 to 45 days after it stopped trading.
constexpr double kDisputeBase = 0.0003, kDisputeDeclining = 0.0015, kDisputeFailing = 0.05;
constexpr int kDisputeFailingDays = 30;
constexpr int64_t kDisputeMinDays = 7, kDisputeMaxDays = 60;
constexpr int64_t kDisputeAfterFailMinDays = 3, kDisputeAfterFailMaxDays = 45;
// The customer behaviour averages are exponentially weighted with a 30-day span.
constexpr int64_t kEwmaSpanDays = 30;

struct Outage {
  Timestamp start, end;
};

// Outages as a Poisson process over the whole world (any hour of any day).
std::vector<Outage> ScheduleOutages(Rng& rng, Timestamp start, Timestamp end) {
  std::vector<Outage> outages;
  Timestamp t = start;
  for (;;) {
    const double gap_days = rng.Exponential(1.0 / kOutageMeanGapDays);
    const auto gap_seconds = static_cast<int64_t>(gap_days * 86'400);
    if (gap_seconds >= (end - t) / kMicrosPerSecond) break;
    t += gap_seconds * kMicrosPerSecond;
    const Timestamp length = rng.Between(kOutageMinSeconds, kOutageMaxSeconds) * kMicrosPerSecond;
    outages.push_back({t, t + length});
    t += length;
  }
  return outages;
}

// Purchase-rate multiplier of a date: the year-end holidays, New Year's Day and the run-up to
// the 11.11 festival (the festival days themselves are applied per category by spending).
double SeasonOf(int month, int day_of_month) {
  if (month == 12 && day_of_month >= 18) return 1.3;
  if (month == 1 && day_of_month == 1) return 1.2;
  if (month == 11 && day_of_month <= 10) return 1.1;
  return 1.0;
}

void FillCalendar(DayContext* day) {
  const std::chrono::sys_days date{std::chrono::days{DayNumber(day->begin)}};
  const std::chrono::year_month_day ymd{date};
  day->weekday = static_cast<int>(std::chrono::weekday{date}.iso_encoding()) - 1;
  day->day_of_month = static_cast<int>(static_cast<unsigned>(ymd.day()));
  day->month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  day->season = SeasonOf(day->month, day->day_of_month);
}

// Entities that appear inside the world, in the order they appear.
struct Arrival {
  Timestamp ts;
  uint32_t index;
  bool operator<(const Arrival& other) const {
    return ts != other.ts ? ts < other.ts : index < other.index;
  }
};

// A transaction's place in the day's order: its time within the day and its position in the
// day's vector.
struct SortKey {
  uint64_t micros;  // ts - day.begin, < 2^37
  uint64_t pos;
};

// Sorts by micros, stably (equal times keep their positions' order): an LSD radix sort of
// 10-bit digits, skipping digits all keys share. `tmp` is scratch space.
void RadixSort(std::vector<SortKey>& keys, std::vector<SortKey>& tmp) {
  constexpr int kBits = 10, kBuckets = 1 << kBits, kPasses = 4;  // 40 bits > 37
  tmp.resize(keys.size());
  size_t counts[kBuckets];
  for (int pass = 0; pass < kPasses; ++pass) {
    const int shift = pass * kBits;
    std::fill(std::begin(counts), std::end(counts), size_t{0});
    for (const SortKey& key : keys) ++counts[(key.micros >> shift) & (kBuckets - 1)];
    if (std::find(std::begin(counts), std::end(counts), keys.size()) != std::end(counts)) {
      continue;  // every key has the same digit here
    }
    size_t offset = 0;
    for (size_t& count : counts) {
      const size_t n = count;
      count = offset;
      offset += n;
    }
    for (const SortKey& key : keys) tmp[counts[(key.micros >> shift) & (kBuckets - 1)]++] = key;
    keys.swap(tmp);
  }
}

class World {
 public:
  World(const WorldOptions& options, WorldOutputs& outputs, WorldSummary* summary, RunStats* stats)
      : options_(options),
        out_(outputs),
        summary_(summary),
        stats_(stats),
        start_(options.start),
        end_(options.start + options.days * kMicrosPerDay),
        rng_(options.seed, kWorldStream) {}

  Status Run();

 private:
  void WriteInitialSnapshots();
  void StartIncidents(const DayContext& day);
  Status SortDay(const DayContext& day);
  Status WriteDay(const DayContext& day);
  // Whether a generated transaction keeps the contract the writer relies on.
  bool Valid(const TxRecord& tx, const DayContext& day) const {
    return tx.ts >= day.begin && tx.ts < day.end && tx.amount >= 0 &&
           tx.customer < customer_count_ && tx.channel <= tx_channel::kTransfer &&
           tx.type <= tx_type::kDeposit && tx.currency < currency_count_ && tx.city < city_count_ &&
           tx.pattern < Pattern::kCount && (tx.merchant == kNone || tx.merchant < merchant_count_);
  }
  // Says what a transaction that is not Valid breaks.
  Status ContractBroken(const TxRecord& tx, const DayContext& day) const;
  void PushFraudLabel(const TxRecord& tx, uint64_t tx_id);
  void PushClearedLabel(const TxRecord& tx, uint64_t tx_id);
  // A genuine purchase is disputed with a probability set by its merchant's life course;
  // pushes the dispute label when it is.
  void MaybeDispute(const TxRecord& tx, uint64_t tx_id, const DayContext& day);
  uint64_t DrawClearedGap() {
    return 1 + static_cast<uint64_t>(rng_.Exponential(-std::log1p(-kClearedShare)));
  }
  int64_t ToCny(const TxRecord& tx) const {
    if (tx.currency == 0) return tx.amount;
    return std::llround(static_cast<double>(tx.amount) * to_cny_[tx.currency]);
  }
  void CloseDay(const DayContext& day);

  const WorldOptions& options_;
  WorldOutputs& out_;
  WorldSummary* summary_;
  RunStats* stats_;
  const Timestamp start_, end_;
  Rng rng_;
  Population population_;

  std::vector<Outage> outages_;
  size_t next_outage_ = 0;  // the first outage not yet an incident
  std::vector<Arrival> customer_arrivals_, merchant_arrivals_;
  size_t next_customer_ = 0, next_merchant_ = 0;
  std::vector<Arrival> failures_;  // MEDIUM and LARGE merchants failing inside the world
  size_t next_failure_ = 0;

  std::vector<TxRecord> day_tx_;
  std::vector<SortKey> keys_, sort_tmp_;
  uint64_t next_tx_id_ = 1;
  uint64_t until_cleared_ = 0;  // genuine transactions until the next cleared label
  std::vector<double> to_cny_;  // per currency: CNY minor units per minor unit
  std::vector<uint32_t> account_owner_;
  // Today's figures, dense and hot in cache while the day's transactions stream past: per
  // customer the outgoing and incoming amounts (CNY minor units), per merchant its history.
  struct Flows {
    int64_t out = 0, in = 0;
  };
  std::vector<Flows> flows_;
  std::vector<MerchantDay> merchant_today_;
  std::vector<uint64_t> pattern_counts_;
  Event event_;
  std::string note_;
  size_t customer_count_ = 0, merchant_count_ = 0, currency_count_ = 0, city_count_ = 0;
};

Status World::Run() {
  population_ = Population::Build(options_);
  SpendingSimulator spending(options_, population_);
  CrimeSimulator crime(options_, population_);
  CreditSimulator credit(options_, population_);
  MarketingSimulator marketing(options_, population_);
  OpinionSimulator opinion(options_, population_);

  outages_ = ScheduleOutages(rng_, start_, end_);
  until_cleared_ = DrawClearedGap();
  for (const CurrencyInfo& currency : Currencies()) {
    to_cny_.push_back(std::pow(10.0, 2 - currency.exponent) / currency.per_cny);
  }
  const size_t customers = population_.customers.size();
  customer_count_ = customers;
  merchant_count_ = population_.merchants.size();
  currency_count_ = Currencies().size();
  city_count_ = Cities().size();
  for (size_t c = 0; c < customers; ++c) {
    const uint32_t account = population_.customers[c].account;
    if (account >= account_owner_.size()) account_owner_.resize(account + 1, kNone);
    account_owner_[account] = static_cast<uint32_t>(c);
  }
  flows_.assign(customers, Flows{});
  merchant_today_.assign(population_.merchants.size(), MerchantDay{});
  pattern_counts_.assign(static_cast<size_t>(Pattern::kCount), 0);
  for (size_t m = 0; m < population_.merchants.size(); ++m) {
    const Merchant& merchant = population_.merchants[m];
    if (merchant.size >= 2 && merchant.fail_day >= 0 && merchant.fail_day < options_.days) {
      failures_.push_back({merchant.fail_day, static_cast<uint32_t>(m)});
    }
  }
  std::sort(failures_.begin(), failures_.end());
  WriteInitialSnapshots();

  DayContext day;
  for (int d = 0; d < options_.days; ++d) {
    day.day = d;
    day.begin = start_ + d * kMicrosPerDay;
    day.end = day.begin + kMicrosPerDay;
    FillCalendar(&day);
    day.genuine_tx = 0;
    day.outages.clear();
    for (const Outage& outage : outages_) {
      if (outage.start < day.end && outage.end > day.begin) {
        day.outages.emplace_back(std::max(outage.start, day.begin), std::min(outage.end, day.end));
      }
    }
    StartIncidents(day);

    // 1. Customers and merchants that join today.
    for (; next_customer_ < customer_arrivals_.size() &&
           customer_arrivals_[next_customer_].ts < day.end;
         ++next_customer_) {
      const Arrival& arrival = customer_arrivals_[next_customer_];
      population_.FillCustomerEvent(arrival.index, arrival.ts, &event_);
      out_.customers->Push(event_);
    }
    for (; next_merchant_ < merchant_arrivals_.size() &&
           merchant_arrivals_[next_merchant_].ts < day.end;
         ++next_merchant_) {
      const Arrival& arrival = merchant_arrivals_[next_merchant_];
      population_.FillMerchantEvent(arrival.index, arrival.ts, &event_);
      out_.merchants->Push(event_);
    }

    // 2-4. The day's transactions.
    day_tx_.clear();
    spending.SimulateDay(day, day_tx_);
    day.genuine_tx = day_tx_.size();
    crime.SimulateDay(day, day_tx_, summary_->incidents);
    PANO_RETURN_IF_ERROR(WriteDay(day));

    // 5. The low-volume kinds. They decide during the day, so they see merchant history and
    // customer averages up to yesterday: today's flows join them only afterwards.
    credit.SimulateDay(day, *out_.loans, *out_.customers, summary_->loan_status);
    marketing.SimulateDay(day, *out_.offers, *out_.customers);
    opinion.SimulateDay(day, summary_->incidents, *out_.posts);
    CloseDay(day);

    // 6. Everything dated today goes out.
    for (EventStream* stream : {out_.labels.get(), out_.customers.get(), out_.merchants.get(),
                                out_.loans.get(), out_.offers.get(), out_.posts.get()}) {
      PANO_RETURN_IF_ERROR(stream->FlushBefore(day.end));
    }
  }

  for (size_t p = 1; p < pattern_counts_.size(); ++p) {
    summary_->patterns[std::string(PatternName(static_cast<Pattern>(p)))] = pattern_counts_[p];
  }
  std::stable_sort(summary_->incidents.begin(), summary_->incidents.end(),
                   [](const Incident& a, const Incident& b) { return a.start < b.start; });
  return Status::Ok();
}

// Everyone who exists when the world starts gets one snapshot at the start; those who join
// later get theirs when they join.
void World::WriteInitialSnapshots() {
  for (size_t c = 0; c < population_.customers.size(); ++c) {
    const Timestamp joined = population_.customers[c].joined_at;
    if (joined <= start_) {
      population_.FillCustomerEvent(static_cast<uint32_t>(c), start_, &event_);
      out_.customers->WriteNow(event_);
    } else if (joined < end_) {
      customer_arrivals_.push_back({joined, static_cast<uint32_t>(c)});
    }
  }
  for (size_t m = 0; m < population_.merchants.size(); ++m) {
    const Timestamp opened = population_.merchants[m].opened_at;
    if (opened <= start_) {
      population_.FillMerchantEvent(static_cast<uint32_t>(m), start_, &event_);
      out_.merchants->WriteNow(event_);
    } else if (opened < end_) {
      merchant_arrivals_.push_back({opened, static_cast<uint32_t>(m)});
    }
  }
  std::sort(customer_arrivals_.begin(), customer_arrivals_.end());
  std::sort(merchant_arrivals_.begin(), merchant_arrivals_.end());
  stats_->customers_joined = customer_arrivals_.size();
  stats_->merchants_opened = merchant_arrivals_.size();
}

// Outages and merchant failures become incidents on the day they start.
void World::StartIncidents(const DayContext& day) {
  for (; next_outage_ < outages_.size() && outages_[next_outage_].start < day.end; ++next_outage_) {
    const Outage& outage = outages_[next_outage_];
    summary_->incidents.push_back({"outage", outage.start, outage.end, "BANK:PANO"});
  }
  for (; next_failure_ < failures_.size() && failures_[next_failure_].ts <= day.day;
       ++next_failure_) {
    summary_->incidents.push_back(
        {"merchant_failure", day.begin, day.end,
         "MERCHANT:" + MakeId(IdKind::kMerchant, failures_[next_failure_].index)});
  }
}

Status World::ContractBroken(const TxRecord& tx, const DayContext& day) const {
  const char* broken = nullptr;
  if (tx.ts < day.begin || tx.ts >= day.end) {
    broken = "timestamp outside its day";
  } else if (tx.amount < 0) {
    broken = "negative amount";
  } else if (tx.customer >= population_.customers.size()) {
    broken = "customer out of range";
  } else if (tx.channel > tx_channel::kTransfer || tx.type > tx_type::kDeposit) {
    broken = "channel or type out of range";
  } else if (tx.currency >= Currencies().size() || tx.city >= Cities().size()) {
    broken = "currency or city out of range";
  } else if (tx.pattern >= Pattern::kCount) {
    broken = "pattern out of range";
  } else if (tx.merchant != kNone && tx.merchant >= population_.merchants.size()) {
    broken = "merchant out of range";
  }
  if (broken == nullptr) return Status::Ok();
  std::string what = "generated transaction breaks the contract: ";
  what += broken;
  what += " (day " + std::to_string(day.day) + ", ts " + std::to_string(tx.ts) + ", pattern ";
  what += tx.pattern < Pattern::kCount && tx.pattern != Pattern::kNone
              ? std::string(PatternName(tx.pattern))
              : std::string("none");
  what += ")";
  return Status::Internal(std::move(what));
}

// Orders the day's transactions by (ts, order, position in day_tx_): a radix sort by time,
// then the rare runs of equal times by generation order. Checks every record on the way.
Status World::SortDay(const DayContext& day) {
  keys_.clear();
  for (size_t i = 0; i < day_tx_.size(); ++i) {
    if (!Valid(day_tx_[i], day)) return ContractBroken(day_tx_[i], day);
    keys_.push_back({static_cast<uint64_t>(day_tx_[i].ts - day.begin), i});
  }
  RadixSort(keys_, sort_tmp_);
  for (size_t run = 0; run < keys_.size();) {
    size_t next = run + 1;
    while (next < keys_.size() && keys_[next].micros == keys_[run].micros) ++next;
    if (next - run > 1) {
      std::sort(keys_.begin() + static_cast<ptrdiff_t>(run),
                keys_.begin() + static_cast<ptrdiff_t>(next),
                [this](const SortKey& a, const SortKey& b) {
                  const uint64_t x = day_tx_[a.pos].order, y = day_tx_[b.pos].order;
                  return x != y ? x < y : a.pos < b.pos;
                });
    }
    run = next;
  }
  return Status::Ok();
}

Status World::WriteDay(const DayContext& day) {
  PANO_RETURN_IF_ERROR(SortDay(day));
  // The records are visited in time order, i.e. scattered over day_tx_, and each touches its
  // customer's and merchant's figures: fetch the record ahead, then what it touches.
  constexpr size_t kAhead = 16, kAheadFigures = 8;
  const size_t n = keys_.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(&day_tx_[keys_[i + kAhead].pos]);
    if (i + kAheadFigures < n) {
      const TxRecord& ahead = day_tx_[keys_[i + kAheadFigures].pos];
      __builtin_prefetch(&flows_[ahead.customer]);
      if (ahead.merchant != kNone) {
        __builtin_prefetch(&merchant_today_[ahead.merchant]);
        __builtin_prefetch(&population_.merchants[ahead.merchant]);  // for MaybeDispute
      }
    }
    const TxRecord& tx = day_tx_[keys_[i].pos];
    const uint64_t tx_id = next_tx_id_++;
    out_.transactions->Write(tx, tx_id);

    if (tx.pattern != Pattern::kNone) {
      ++pattern_counts_[static_cast<size_t>(tx.pattern)];
      PushFraudLabel(tx, tx_id);
    } else if (--until_cleared_ == 0) {
      PushClearedLabel(tx, tx_id);
      until_cleared_ = DrawClearedGap();
    } else {
      MaybeDispute(tx, tx_id, day);
    }

    const int64_t cny = ToCny(tx);
    if (tx.merchant != kNone) {
      MerchantDay& history = merchant_today_[tx.merchant];
      if (tx.type == tx_type::kPurchase) {
        history.sales += cny;
        ++history.purchases;
      } else if (tx.type == tx_type::kRefund) {
        ++history.refunds;
      }
    }
    switch (tx.type) {
      case tx_type::kTransfer:
        if (!tx.counterparty_external && tx.counterparty < account_owner_.size() &&
            account_owner_[tx.counterparty] != kNone) {
          flows_[account_owner_[tx.counterparty]].in += cny;
        }
        flows_[tx.customer].out += cny;
        break;
      case tx_type::kPurchase:
      case tx_type::kWithdrawal:
      case tx_type::kPayment:
        flows_[tx.customer].out += cny;
        break;
      case tx_type::kDeposit:
      case tx_type::kRefund:
        flows_[tx.customer].in += cny;
        break;
      default:
        break;
    }
  }
  summary_->transactions += keys_.size();
  return Status::Ok();
}

void World::PushFraudLabel(const TxRecord& tx, uint64_t tx_id) {
  if (IsLaundering(tx.pattern)) {
    ++summary_->aml_transactions;
  } else {
    ++summary_->fraud_transactions;
  }
  ++stats_->fraud_labels;
  char id[kIdLength];
  event_.Reset(EventKind::kLabel);
  event_.set_str(label::kTxId, std::string_view(id, WriteId(IdKind::kTransaction, tx_id, id) - id));
  event_.set_num(label::kTs, tx.ts + tx.label_delay);
  event_.set_num(label::kIsFraud, 1);
  event_.set_num(label::kSource, static_cast<int64_t>(tx.label_source));
  event_.set_str(label::kPattern, PatternName(tx.pattern));
  if (tx.incident != 0) {
    note_ = "case " + std::to_string(tx.incident);
    event_.set_str(label::kNote, note_);
  }
  out_.labels->Push(event_);
}

void World::PushClearedLabel(const TxRecord& tx, uint64_t tx_id) {
  ++stats_->cleared_labels;
  char id[kIdLength];
  event_.Reset(EventKind::kLabel);
  event_.set_str(label::kTxId, std::string_view(id, WriteId(IdKind::kTransaction, tx_id, id) - id));
  const int64_t delay = rng_.Between(kClearedMinSeconds, kClearedMaxSeconds) * kMicrosPerSecond;
  event_.set_num(label::kTs, tx.ts + delay);
  event_.set_num(label::kIsFraud, 0);
  event_.set_num(label::kSource, static_cast<int64_t>(LabelSource::kAnalyst));
  event_.set_str(label::kNote, "cleared after review");
  out_.labels->Push(event_);
}

void World::MaybeDispute(const TxRecord& tx, uint64_t tx_id, const DayContext& day) {
  if (tx.type != tx_type::kPurchase || tx.merchant == kNone) return;
  const Merchant& m = population_.merchants[tx.merchant];
  const bool failing = m.fail_day != kNever && day.day >= m.fail_day - kDisputeFailingDays;
  const bool declining = (m.life == LifeCourse::kDeclining || m.life == LifeCourse::kFailing) &&
                         day.day >= m.decline_day;
  const double p = failing ? kDisputeFailing : declining ? kDisputeDeclining : kDisputeBase;
  if (rng_.Uniform() >= p) return;
  ++stats_->dispute_labels;
  Timestamp ts;
  if (failing) {
    const Timestamp stopped = day.begin + (m.fail_day - day.day) * kMicrosPerDay;
    ts = std::max(tx.ts, stopped) +
         rng_.Between(kDisputeAfterFailMinDays * 86'400, kDisputeAfterFailMaxDays * 86'400) *
             kMicrosPerSecond;
  } else {
    ts =
        tx.ts + rng_.Between(kDisputeMinDays * 86'400, kDisputeMaxDays * 86'400) * kMicrosPerSecond;
  }
  char id[kIdLength];
  event_.Reset(EventKind::kLabel);
  event_.set_str(label::kTxId, std::string_view(id, WriteId(IdKind::kTransaction, tx_id, id) - id));
  event_.set_num(label::kTs, ts);
  event_.set_num(label::kIsFraud, 0);
  event_.set_num(label::kSource, static_cast<int64_t>(LabelSource::kChargeback));
  event_.set_str(label::kNote,
                 failing ? "dispute: merchandise not received" : "dispute: not as described");
  out_.labels->Push(event_);
}

// Stores the day's merchant history (the slot of day d, replacing what it held kHistoryDays
// ago) and updates the 30-day averages of each customer's daily outgoing and incoming amounts.
void World::CloseDay(const DayContext& day) {
  for (size_t m = 0; m < merchant_today_.size(); ++m) {
    population_.history(static_cast<uint32_t>(m), day.day) = merchant_today_[m];
  }
  std::fill(merchant_today_.begin(), merchant_today_.end(), MerchantDay{});
  for (size_t c = 0; c < flows_.size(); ++c) {
    Customer& customer = population_.customers[c];
    customer.spend_30d += (flows_[c].out - customer.spend_30d) * 2 / (kEwmaSpanDays + 1);
    customer.deposits_30d += (flows_[c].in - customer.deposits_30d) * 2 / (kEwmaSpanDays + 1);
  }
  std::fill(flows_.begin(), flows_.end(), Flows{});
}

}  // namespace

Timestamp DefaultStart() {
  const std::chrono::sys_days date{std::chrono::year{2026} / 10 / 1};
  return static_cast<Timestamp>(date.time_since_epoch().count()) * kMicrosPerDay;
}

Status RunWorld(const WorldOptions& options, WorldOutputs& outputs, WorldSummary* summary,
                RunStats* stats) {
  summary->end = options.start + options.days * kMicrosPerDay;
  World world(options, outputs, summary, stats);
  return world.Run();
}

}  // namespace panorama::generate
