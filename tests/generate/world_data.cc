#include "generate/world_data.h"

#include <arpa/inet.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "core/money.h"
#include "ingest/pii.h"
#include "ingest/record_reader.h"

namespace panorama::gentest {

uint32_t IdNumber(std::string_view id, char letter) {
  if (id.empty()) return kAbsent;
  if (id.size() < 2 || id[0] != letter || id.size() > 11) return kBadId;
  uint64_t value = 0;
  for (size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return kBadId;
    value = value * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  if (value >= kBadId) return kBadId;
  return static_cast<uint32_t>(value);
}

uint16_t PackCountry(std::string_view country) {
  if (country.size() != 2) return 0;
  return static_cast<uint16_t>(
      (static_cast<unsigned>(static_cast<unsigned char>(country[0])) << 8) |
      static_cast<unsigned char>(country[1]));
}

int64_t DayNumber(Timestamp ts) {
  return ts >= 0 ? ts / kMicrosPerDay : -((-ts + kMicrosPerDay - 1) / kMicrosPerDay);
}

int Weekday(Timestamp ts) { return static_cast<int>(((DayNumber(ts) + 3) % 7 + 7) % 7); }

namespace {
constexpr Timestamp kLocalOffset = 8 * kHour;

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int* year, int* month, int* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0));
}
}  // namespace

int LocalHour(Timestamp ts) {
  const Timestamp local = ts + kLocalOffset;
  return static_cast<int>((local - DayNumber(local) * kMicrosPerDay) / kHour);
}
int LocalWeekday(Timestamp ts) { return Weekday(ts + kLocalOffset); }
int LocalDayOfMonth(Timestamp ts) {
  int y = 0, m = 0, d = 0;
  CivilFromDays(DayNumber(ts + kLocalOffset), &y, &m, &d);
  return d;
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = std::numbers::pi / 180.0;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::min(1.0, std::sqrt(a)));
}

FileCheck ReadFileWith(const std::string& path, EventKind kind,
                       void (*on_event)(const Event&, void*), void* context) {
  FileCheck check;
  check.path = path;
  check.kind = kind;
  static const std::array<unsigned char, PiiTokenizer::kKeyBytes> kKey = {1, 2, 3, 4, 5, 6, 7};
  static const PiiTokenizer tokenizer = PiiTokenizer::FromKey(kKey);
  ReaderOptions options;
  options.kind = kind;
  options.tokenizer = &tokenizer;
  auto reader = RecordReader::Open(path, options);
  if (!reader.ok()) {
    check.open_error = reader.status().ToString();
    return check;
  }
  check.opened = true;
  Event event;
  Reject reject;
  Timestamp last = kMinTimestamp;
  const char letter = [&] {
    switch (kind) {
      case EventKind::kTransaction:
      case EventKind::kLabel:
        return 'T';
      case EventKind::kCustomer:
        return 'C';
      case EventKind::kMerchant:
        return 'M';
      case EventKind::kLoan:
        return 'L';
      case EventKind::kOffer:
        return 'O';
      case EventKind::kPost:
        return 'P';
      case EventKind::kDecision:  // not a kind the generator writes
        break;
    }
    return '?';
  }();
  while (true) {
    const auto outcome = (*reader)->Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    if (outcome == RecordReader::Outcome::kReject) {
      ++check.rejects;
      if (check.sample_rejects.size() < 5) {
        check.sample_rejects.push_back("line " + std::to_string(reject.line) + " " + reject.field +
                                       ": " + reject.reason + " | " + reject.record.substr(0, 200));
      }
      continue;
    }
    ++check.events;
    if (event.ts() < last) ++check.out_of_order;
    last = event.ts();
    const uint32_t id = IdNumber(event.id(), letter);
    if (id == kBadId || id == kAbsent) ++check.bad_ids;
    on_event(event, context);
  }
  check.warnings = (*reader)->warnings();
  return check;
}

std::string World::FileOf(EventKind kind) const {
  for (const auto& file : summary.files) {
    if (KindFromName(file.kind) == kind) return file.file;
  }
  return "";
}

namespace {

int64_t Pow10(int exponent) {
  int64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

uint32_t ParseIpv4(std::string_view text) {
  std::string s(text);
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return 0;
  return ntohl(addr.s_addr);
}

std::string Str(const Event& e, int field) {
  return e.has(field) ? std::string(e.str(field)) : std::string();
}
int Enum(const Event& e, int field) { return e.has(field) ? static_cast<int>(e.num(field)) : -1; }
double Real(const Event& e, int field) { return e.has(field) ? e.real(field) : NAN; }

void ReadTransactions(World& world, const std::string& path) {
  std::unordered_map<std::string, uint32_t> city_ids;
  struct CurrencyFacts {
    int exponent = 2;
    bool home = false;
  };
  std::unordered_map<uint16_t, CurrencyFacts> currencies;
  world.checks[EventKind::kTransaction] =
      ReadFileEvents(path, EventKind::kTransaction, [&](const Event& e) {
        Tx t;
        t.id = IdNumber(e.str(tx::kTxId), 'T');
        t.ts = e.ts();
        t.amount = e.num(tx::kAmount);
        t.currency = static_cast<uint16_t>(e.num(tx::kCurrency));
        auto facts = currencies.find(t.currency);
        if (facts == currencies.end()) {
          const auto currency = Currency::FromPacked(t.currency);
          CurrencyFacts f;
          if (currency) f = {currency->Exponent(), currency->Code() == "CNY"};
          facts = currencies.emplace(t.currency, f).first;
        }
        t.home_currency = facts->second.home;
        t.amount_major =
            static_cast<double>(t.amount) / static_cast<double>(Pow10(facts->second.exponent));
        t.customer = IdNumber(e.has(tx::kCustomerId) ? e.str(tx::kCustomerId) : "", 'C');
        t.account = e.has(tx::kAccountId) ? IdNumber(e.str(tx::kAccountId), 'A') : kAbsent;
        t.card = e.has(tx::kCardId) ? IdNumber(e.str(tx::kCardId), 'K') : kAbsent;
        t.merchant = e.has(tx::kMerchantId) ? IdNumber(e.str(tx::kMerchantId), 'M') : kAbsent;
        t.device = e.has(tx::kDeviceId) ? IdNumber(e.str(tx::kDeviceId), 'D') : kAbsent;
        if (e.has(tx::kCounterpartyId)) {
          const auto cp = e.str(tx::kCounterpartyId);
          t.counterparty_letter = cp.empty() ? '?' : cp[0];
          t.counterparty = IdNumber(cp, t.counterparty_letter);
        }
        t.has_ip = e.has(tx::kIp);
        if (t.has_ip) t.ip = ParseIpv4(e.str(tx::kIp));
        t.channel = static_cast<uint8_t>(e.num(tx::kChannel));
        t.type = static_cast<uint8_t>(e.num(tx::kType));
        t.mcc = e.has(tx::kMcc) ? static_cast<uint16_t>(e.num(tx::kMcc)) : 0;
        t.country = e.has(tx::kCountry) ? PackCountry(e.str(tx::kCountry)) : 0;
        if (e.has(tx::kCity)) {
          auto [it, inserted] = city_ids.emplace(std::string(e.str(tx::kCity)),
                                                 static_cast<uint32_t>(world.cities.size()));
          if (inserted) world.cities.push_back(it->first);
          t.city = it->second;
        } else {
          t.city = kAbsent;
        }
        t.lat = static_cast<float>(Real(e, tx::kLat));
        t.lon = static_cast<float>(Real(e, tx::kLon));
        world.tx.push_back(t);
      });
}

void ReadLabels(World& world, const std::string& path) {
  world.checks[EventKind::kLabel] = ReadFileEvents(path, EventKind::kLabel, [&](const Event& e) {
    Label l;
    l.tx = IdNumber(e.str(label::kTxId), 'T');
    l.ts = e.ts();
    l.is_fraud = e.num(label::kIsFraud) != 0;
    l.source = Enum(e, label::kSource);
    l.pattern = Str(e, label::kPattern);
    world.labels.push_back(std::move(l));
  });
}

void ReadCustomers(World& world, const std::string& path) {
  world.checks[EventKind::kCustomer] =
      ReadFileEvents(path, EventKind::kCustomer, [&](const Event& e) {
        CustomerRow c;
        c.id = IdNumber(e.str(customer::kCustomerId), 'C');
        c.ts = e.ts();
        c.joined_at = e.has(customer::kJoinedAt) ? e.num(customer::kJoinedAt) : 0;
        c.birth_year =
            e.has(customer::kBirthYear) ? static_cast<int>(e.num(customer::kBirthYear)) : 0;
        c.income_band = Enum(e, customer::kIncomeBand);
        c.country = e.has(customer::kCountry) ? PackCountry(e.str(customer::kCountry)) : 0;
        c.home_lat = Real(e, customer::kHomeLat);
        c.home_lon = Real(e, customer::kHomeLon);
        c.city = Str(e, customer::kCity);
        c.occupation = Str(e, customer::kOccupation);
        c.segment = Str(e, customer::kSegment);
        c.products = Str(e, customer::kProducts);
        world.customers.push_back(std::move(c));
      });
}

void ReadMerchants(World& world, const std::string& path) {
  world.checks[EventKind::kMerchant] =
      ReadFileEvents(path, EventKind::kMerchant, [&](const Event& e) {
        MerchantRow m;
        m.id = IdNumber(e.str(merchant::kMerchantId), 'M');
        m.ts = e.ts();
        m.mcc = e.has(merchant::kMcc) ? static_cast<int>(e.num(merchant::kMcc)) : -1;
        m.country = e.has(merchant::kCountry) ? PackCountry(e.str(merchant::kCountry)) : 0;
        m.lat = Real(e, merchant::kLat);
        m.lon = Real(e, merchant::kLon);
        m.online = e.has(merchant::kOnline) && e.num(merchant::kOnline) != 0;
        m.opened_at = e.has(merchant::kOpenedAt) ? e.num(merchant::kOpenedAt) : 0;
        m.size = Enum(e, merchant::kSize);
        m.city = Str(e, merchant::kCity);
        world.merchants.push_back(std::move(m));
      });
}

void ReadLoans(World& world, const std::string& path) {
  world.checks[EventKind::kLoan] = ReadFileEvents(path, EventKind::kLoan, [&](const Event& e) {
    LoanRow l;
    l.id = IdNumber(e.str(loan::kLoanId), 'L');
    l.ts = e.ts();
    l.borrower_type = Enum(e, loan::kBorrowerType);
    l.borrower = IdNumber(e.str(loan::kBorrowerId), l.borrower_type == 0 ? 'M' : 'C');
    l.status = Enum(e, loan::kStatus);
    l.principal = e.num(loan::kPrincipal);
    l.term_days = e.has(loan::kTermDays) ? static_cast<int>(e.num(loan::kTermDays)) : 0;
    l.rate_bp = e.has(loan::kRateBp) ? static_cast<int>(e.num(loan::kRateBp)) : 0;
    l.issued_at = e.has(loan::kIssuedAt) ? e.num(loan::kIssuedAt) : 0;
    l.due_at = e.has(loan::kDueAt) ? e.num(loan::kDueAt) : 0;
    l.days_past_due = e.has(loan::kDaysPastDue) ? static_cast<int>(e.num(loan::kDaysPastDue)) : -1;
    l.product = Enum(e, loan::kProduct);
    world.loans.push_back(l);
  });
}

void ReadOffers(World& world, const std::string& path) {
  world.checks[EventKind::kOffer] = ReadFileEvents(path, EventKind::kOffer, [&](const Event& e) {
    OfferRow o;
    o.id = IdNumber(e.str(offer::kOfferId), 'O');
    o.ts = e.ts();
    o.customer = IdNumber(e.str(offer::kCustomerId), 'C');
    o.product = Enum(e, offer::kProduct);
    o.channel = Enum(e, offer::kChannel);
    o.response = Enum(e, offer::kResponse);
    o.responded_at = e.has(offer::kRespondedAt) ? e.num(offer::kRespondedAt) : 0;
    o.campaign = Str(e, offer::kCampaignId);
    world.offers.push_back(std::move(o));
  });
}

void ReadPosts(World& world, const std::string& path) {
  world.checks[EventKind::kPost] = ReadFileEvents(path, EventKind::kPost, [&](const Event& e) {
    PostRow p;
    p.id = IdNumber(e.str(post::kPostId), 'P');
    p.ts = e.ts();
    p.source = Str(e, post::kSource);
    p.author = Str(e, post::kAuthorId);
    p.lang = Str(e, post::kLang);
    p.title = Str(e, post::kTitle);
    p.text = Str(e, post::kText);
    p.mentions = Str(e, post::kMentions);
    p.sentiment = Enum(e, post::kSentiment);
    world.posts.push_back(std::move(p));
  });
}

}  // namespace

void ReadWorldFiles(World& world) {
  const std::string manifest_text = ReadWholeFile(world.dir + "/manifest.json");
  world.manifest = nlohmann::json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (world.manifest.is_discarded()) {
    world.error = "manifest.json is not valid JSON";
    return;
  }
  for (EventKind kind : kAllEventKinds) {
    const std::string name = world.FileOf(kind);
    if (name.empty()) {
      world.error += "the summary names no file for kind " + std::string(KindName(kind)) + "; ";
      continue;
    }
    const std::string path = world.dir + "/" + name;
    switch (kind) {
      case EventKind::kTransaction:
        ReadTransactions(world, path);
        break;
      case EventKind::kLabel:
        ReadLabels(world, path);
        break;
      case EventKind::kCustomer:
        ReadCustomers(world, path);
        break;
      case EventKind::kMerchant:
        ReadMerchants(world, path);
        break;
      case EventKind::kLoan:
        ReadLoans(world, path);
        break;
      case EventKind::kOffer:
        ReadOffers(world, path);
        break;
      case EventKind::kPost:
        ReadPosts(world, path);
        break;
      case EventKind::kDecision:  // not in kAllEventKinds
        break;
    }
    if (!world.checks[kind].opened) {
      world.error += path + ": " + world.checks[kind].open_error + "; ";
    }
  }
}

DailyFigures BuildDailyFigures(const World& w) {
  DailyFigures f;
  f.start = w.summary.end - static_cast<Timestamp>(w.options.days) * kDay;
  f.days = static_cast<size_t>(w.options.days);
  const auto merchants = static_cast<size_t>(w.options.merchants);
  const auto customers = static_cast<size_t>(w.options.customers);
  f.sales.assign(merchants * f.days, 0.0);
  f.purchases.assign(f.sales.size(), 0.0);
  f.refunds.assign(f.sales.size(), 0.0);
  f.out.assign(customers * f.days, 0.0);
  f.in.assign(f.out.size(), 0.0);
  for (const Tx& t : w.tx) {
    const int64_t d = (t.ts - f.start) / kDay;
    if (d < 0 || d >= w.options.days || !t.home_currency) continue;
    const auto day = static_cast<size_t>(d);
    if (t.merchant < merchants) {
      const size_t at = t.merchant * f.days + day;
      if (t.type == tx_type::kPurchase) {
        f.sales[at] += t.amount_major;
        f.purchases[at] += 1;
      } else if (t.type == tx_type::kRefund) {
        f.refunds[at] += 1;
      }
    }
    if (t.customer >= customers) continue;
    const size_t at = t.customer * f.days + day;
    switch (t.type) {
      case tx_type::kPurchase:
      case tx_type::kWithdrawal:
      case tx_type::kPayment:
        f.out[at] += t.amount_major;
        break;
      case tx_type::kTransfer:
        f.out[at] += t.amount_major;
        if (t.counterparty_letter == 'A' && t.counterparty < customers) {
          f.in[t.counterparty * f.days + day] += t.amount_major;
        }
        break;
      case tx_type::kDeposit:
      case tx_type::kRefund:
        f.in[at] += t.amount_major;
        break;
      default:
        break;
    }
  }
  return f;
}

World GenerateAndRead(const generate::WorldOptions& options, const std::string& dir) {
  World world;
  world.dir = dir;
  world.options = options;
  auto summary = generate::GenerateWorld(options, dir);
  if (!summary.ok()) {
    world.error = "GenerateWorld: " + summary.status().ToString();
    return world;
  }
  world.summary = std::move(summary).value();
  ReadWorldFiles(world);
  return world;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

void RemoveDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double RocAuc(const std::vector<float>& scores, const std::vector<int>& labels) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0;
  uint64_t positives = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double average_rank = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] != 0) {
        positive_rank_sum += average_rank;
        ++positives;
      }
    }
    i = j;
  }
  const uint64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return NAN;
  const double p = static_cast<double>(positives), q = static_cast<double>(negatives);
  return (positive_rank_sum - p * (p + 1) / 2.0) / (p * q);
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return values[lo] * (1 - frac) + values[hi] * frac;
}

std::vector<float> TrainAndPredict(const std::vector<float>& train,
                                   const std::vector<float>& labels, const std::vector<float>& test,
                                   int features, const BoostParams& params, std::string* error) {
  const auto f = static_cast<bst_ulong>(features);
  const bst_ulong train_rows = train.size() / f, test_rows = test.size() / f;
  DMatrixHandle dtrain = nullptr, dtest = nullptr;
  BoosterHandle booster = nullptr;
  std::vector<float> result;
  auto fail = [&](const char* what) {
    *error = std::string(what) + ": " + XGBGetLastError();
    result.clear();
  };
  auto set = [&](const char* key, const std::string& value) {
    return XGBoosterSetParam(booster, key, value.c_str()) == 0;
  };
  do {
    if (XGDMatrixCreateFromMat(train.data(), train_rows, f, NAN, &dtrain) != 0) {
      fail("XGDMatrixCreateFromMat(train)");
      break;
    }
    if (XGDMatrixSetFloatInfo(dtrain, "label", labels.data(), train_rows) != 0) {
      fail("XGDMatrixSetFloatInfo");
      break;
    }
    if (XGDMatrixCreateFromMat(test.data(), test_rows, f, NAN, &dtest) != 0) {
      fail("XGDMatrixCreateFromMat(test)");
      break;
    }
    if (XGBoosterCreate(&dtrain, 1, &booster) != 0) {
      fail("XGBoosterCreate");
      break;
    }
    if (!set("objective", "binary:logistic") || !set("tree_method", "hist") ||
        !set("max_depth", std::to_string(params.max_depth)) ||
        !set("eta", std::to_string(params.eta)) ||
        !set("nthread", std::to_string(params.nthread)) ||
        !set("seed", std::to_string(params.seed)) ||
        !set("subsample", std::to_string(params.subsample)) ||
        !set("min_child_weight", std::to_string(params.min_child_weight)) ||
        !set("verbosity", "0")) {
      fail("XGBoosterSetParam");
      break;
    }
    bool ok = true;
    for (int round = 0; round < params.rounds && ok; ++round) {
      ok = XGBoosterUpdateOneIter(booster, round, dtrain) == 0;
    }
    if (!ok) {
      fail("XGBoosterUpdateOneIter");
      break;
    }
    bst_ulong length = 0;
    const float* out = nullptr;
    if (XGBoosterPredict(booster, dtest, 0, 0, 0, &length, &out) != 0) {
      fail("XGBoosterPredict");
      break;
    }
    result.assign(out, out + length);
  } while (false);
  if (booster != nullptr) XGBoosterFree(booster);
  if (dtest != nullptr) XGDMatrixFree(dtest);
  if (dtrain != nullptr) XGDMatrixFree(dtrain);
  return result;
}

}  // namespace panorama::gentest
