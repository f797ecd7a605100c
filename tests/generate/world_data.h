// Helpers shared by the tests of `panorama generate`: generate a world into a temporary
// directory and read its files back through the ingest RecordReader (the way `panorama ingest`
// reads them) into compact rows that the statistical tests can scan quickly.
//
// Only public interfaces are used: GenerateWorld (generate/generate.h), the files it writes,
// manifest.json and RecordReader. Ids are read as the letter-and-digits strings the files hold.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/schema.h"
#include "core/time.h"
#include "generate/generate.h"

namespace panorama::gentest {

inline constexpr uint32_t kAbsent = 0xffffffffU;
inline constexpr Timestamp kHour = 3'600LL * kMicrosPerSecond;
inline constexpr Timestamp kMinute = 60LL * kMicrosPerSecond;
inline constexpr Timestamp kDay = kMicrosPerDay;

// The number of an id such as "C0000001234" (1234) when it is `letter` followed by digits;
// kAbsent when the field is absent, -1 (as uint32 0xfffffffe) when it has another shape.
inline constexpr uint32_t kBadId = 0xfffffffeU;
uint32_t IdNumber(std::string_view id, char letter);

// Two upper-case letters packed as one number ("CN" -> 'C' << 8 | 'N'); 0 when absent.
uint16_t PackCountry(std::string_view country);
inline constexpr uint16_t kCountryCn = ('C' << 8) | 'N';

// Day index since 1970-01-01 and weekday (0 = Monday .. 6 = Sunday) of a UTC timestamp.
int64_t DayNumber(Timestamp ts);
int Weekday(Timestamp ts);
// Hour of day in UTC+8 (China Standard Time), the home country's local time.
int LocalHour(Timestamp ts);
int LocalWeekday(Timestamp ts);
int LocalDayOfMonth(Timestamp ts);

// Great-circle distance in kilometres.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

struct Tx {
  uint64_t id = 0;  // number of the tx_id
  Timestamp ts = 0;
  int64_t amount = 0;       // minor units of `currency`
  double amount_major = 0;  // amount / 10^exponent
  uint32_t customer = kAbsent;
  uint32_t account = kAbsent;
  uint32_t card = kAbsent;
  uint32_t merchant = kAbsent;
  uint32_t device = kAbsent;
  uint32_t counterparty = kAbsent;  // number of the counterparty id
  char counterparty_letter = 0;     // 'A' an account of ours, 'X' an external one, 0 absent
  uint16_t currency = 0;            // packed ISO 4217 code
  uint16_t country = 0;             // PackCountry
  uint16_t mcc = 0;
  uint8_t channel = 0;  // tx_channel::Value
  uint8_t type = 0;     // tx_type::Value
  bool has_ip = false;
  bool home_currency = true;  // CNY
  float lat = NAN, lon = NAN;
  uint32_t ip = 0;    // IPv4 in host order (0 when absent or IPv6)
  uint32_t city = 0;  // interned city name (World::cities)
};

struct Label {
  uint64_t tx = 0;  // number of the tx_id
  Timestamp ts = 0;
  bool is_fraud = false;
  int source = -1;
  std::string pattern;
};

struct CustomerRow {
  uint32_t id = 0;
  Timestamp ts = 0;
  Timestamp joined_at = 0;
  int birth_year = 0;
  int income_band = -1;
  uint16_t country = 0;
  double home_lat = NAN, home_lon = NAN;
  std::string city, occupation, segment, products;
};

struct MerchantRow {
  uint32_t id = 0;
  Timestamp ts = 0;
  int mcc = -1;
  uint16_t country = 0;
  double lat = NAN, lon = NAN;
  bool online = false;
  Timestamp opened_at = 0;
  int size = -1;
  std::string city;
};

struct LoanRow {
  uint32_t id = 0;
  Timestamp ts = 0;
  int borrower_type = -1;  // 0 MERCHANT, 1 CUSTOMER
  uint32_t borrower = 0;
  int status = -1;  // 0 ISSUED, 1 REPAID, 2 LATE, 3 DEFAULT, 4 WRITTEN_OFF
  int64_t principal = 0;
  int term_days = 0;
  int rate_bp = 0;
  Timestamp issued_at = 0, due_at = 0;
  int days_past_due = -1;
  int product = -1;
};

struct OfferRow {
  uint32_t id = 0;
  Timestamp ts = 0;
  uint32_t customer = 0;
  int product = -1;  // schema kProducts index
  int channel = -1;
  int response = -1;  // 0 ACCEPTED, 1 DECLINED, 2 NO_RESPONSE, -1 absent
  Timestamp responded_at = 0;
  std::string campaign;
};

struct PostRow {
  uint32_t id = 0;
  Timestamp ts = 0;
  std::string source, author, lang, title, text, mentions;
  int sentiment = -1;  // 0 NEGATIVE, 1 NEUTRAL, 2 POSITIVE
};

// What reading one file through RecordReader gave.
struct FileCheck {
  std::string path;
  EventKind kind = EventKind::kTransaction;
  bool opened = false;
  std::string open_error;
  uint64_t events = 0;
  uint64_t rejects = 0;
  std::vector<std::string> sample_rejects;  // the first few, "line N field: reason"
  std::vector<std::string> warnings;
  uint64_t out_of_order = 0;  // records whose ts is below the previous record's
  uint64_t bad_ids = 0;       // id field 0 not of the letter-and-digits shape
};

struct World {
  std::string dir;
  generate::WorldOptions options;
  generate::WorldSummary summary;
  nlohmann::json manifest;
  std::map<EventKind, FileCheck> checks;
  std::vector<Tx> tx;  // in file order
  std::vector<Label> labels;
  std::vector<CustomerRow> customers;  // every snapshot, in file order
  std::vector<MerchantRow> merchants;
  std::vector<LoanRow> loans;
  std::vector<OfferRow> offers;
  std::vector<PostRow> posts;
  std::vector<std::string> cities;  // interned transaction city names
  std::string error;                // set when generation or reading failed

  // The file name of a kind from the summary ("" when the summary lacks it).
  std::string FileOf(EventKind kind) const;
};

// Daily money per merchant and per customer as the bank sees it in the transactions file,
// home-currency (CNY) transactions only, in major units; index `entity * days + day`, day 0
// being the world's first. Merchants: `sales` (PURCHASE amounts), `purchases` and `refunds`
// (counts). Customers: `out` (PURCHASE, WITHDRAWAL, PAYMENT, TRANSFER sent) and `in`
// (DEPOSIT, REFUND, TRANSFER received on the customer's account from another customer).
struct DailyFigures {
  Timestamp start = 0;
  size_t days = 0;
  std::vector<double> sales, purchases, refunds;
  std::vector<double> out, in;
};
DailyFigures BuildDailyFigures(const World& world);

// Generates the world into `dir` (created) and reads every file. On failure world.error says
// why; the test should ASSERT it is empty.
World GenerateAndRead(const generate::WorldOptions& options, const std::string& dir);

// Reads the files of an already generated world (summary taken from manifest.json as well).
void ReadWorldFiles(World& world);

// Reads one file with RecordReader as `panorama ingest --kind` would (format from the file
// name, personal data tokenized with a fixed key), calling `on_event` for each event.
template <typename F>
FileCheck ReadFileEvents(const std::string& path, EventKind kind, F&& on_event);
FileCheck ReadFileWith(const std::string& path, EventKind kind,
                       void (*on_event)(const Event&, void*), void* context);
template <typename F>
FileCheck ReadFileEvents(const std::string& path, EventKind kind, F&& on_event) {
  auto trampoline = [](const Event& event, void* ctx) { (*static_cast<F*>(ctx))(event); };
  return ReadFileWith(path, kind, trampoline, &on_event);
}

// A fresh directory under $TMPDIR (or /tmp); RemoveDir deletes it with its content.
std::string MakeTempDir(const std::string& prefix);
void RemoveDir(const std::string& dir);
std::string ReadWholeFile(const std::string& path);

// The area under the ROC curve of `scores` for binary `labels`, by ranks (the Mann-Whitney
// statistic; tied scores get their average rank). NaN without both classes.
double RocAuc(const std::vector<float>& scores, const std::vector<int>& labels);

// Median, and the q-quantile (0..1) by linear interpolation; NaN for an empty input.
double Quantile(std::vector<double> values, double q);
inline double Median(std::vector<double> values) { return Quantile(std::move(values), 0.5); }

// Gradient-boosted trees through the XGBoost C API: rows x features (row-major, NaN for
// missing) with 0/1 labels. Returns the predicted probabilities of `test`; on an XGBoost
// error returns an empty vector and sets `error`.
struct BoostParams {
  int rounds = 100;
  int max_depth = 6;
  double eta = 0.1;
  int nthread = 1;  // more threads only wait for each other on a shared 2-core machine
  int seed = 7;
  double subsample = 1.0;
  double min_child_weight = 1.0;
};
std::vector<float> TrainAndPredict(const std::vector<float>& train,
                                   const std::vector<float>& labels, const std::vector<float>& test,
                                   int features, const BoostParams& params, std::string* error);

}  // namespace panorama::gentest
