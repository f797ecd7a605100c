// Output of the generator: buffered files, the transaction writer and the record streams.
// The transaction path renders each field by hand into the file's buffer: no allocation, no
// snprintf, the date part of timestamps cached per day.
#include "generate/internal/writer.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/json_string.h"
#include "core/money.h"

namespace panorama::generate {
namespace {

constexpr size_t kBlockBytes = 1 << 20;

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char* Put2(unsigned value, char* p) {
  std::memcpy(p, kDigitPairs + size_t{2} * value, 2);
  return p + 2;
}

char* PutText(std::string_view text, char* p) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

char* PutUint(uint64_t value, char* p) { return std::to_chars(p, p + 20, value).ptr; }

// `digits` decimal digits of `value`, zero-padded on the left.
char* PutPadded(uint64_t value, int digits, char* p) {
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + digits;
}

// A non-negative amount of minor units as a plain decimal with `exponent` decimals.
char* PutAmount(int64_t minor, int exponent, int64_t scale, char* p) {
  const auto value = static_cast<uint64_t>(minor);
  if (exponent == 0) return PutUint(value, p);
  const auto unit = static_cast<uint64_t>(scale);
  p = PutUint(value / unit, p);
  *p++ = '.';
  return PutPadded(value % unit, exponent, p);
}

// A coordinate with exactly 5 decimals ("-33.86785").
char* PutCoordinate(double degrees, char* p) {
  int64_t q = std::llround(degrees * 1e5);
  if (q < 0) {
    *p++ = '-';
    q = -q;
  }
  const auto value = static_cast<uint64_t>(q);
  p = PutUint(value / 100'000, p);
  *p++ = '.';
  return PutPadded(value % 100'000, 5, p);
}

// An IPv4 address held in host order, dotted.
char* PutIpv4(uint32_t ip, char* p) {
  p = PutUint(ip >> 24, p);
  for (int shift = 16; shift >= 0; shift -= 8) {
    *p++ = '.';
    p = PutUint((ip >> shift) & 0xFF, p);
  }
  return p;
}

bool NeedsCsvQuotes(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t') {
    return true;
  }
  for (char ch : text) {
    if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r') return true;
  }
  return false;
}

void AppendCsvValue(std::string_view text, std::string* out) {
  if (!NeedsCsvQuotes(text)) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char ch : text) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

// The text of a present field in the generator's layout: timestamps with milliseconds and
// coordinates with 5 decimals; everything else as core's FormatField renders it.
void AppendFieldText(const Event& event, int field, std::string* out) {
  const FieldSpec& spec = event.schema().fields[static_cast<size_t>(field)];
  char buf[64];
  switch (spec.type) {
    case FieldType::kId:
    case FieldType::kText:
    case FieldType::kCountry:
    case FieldType::kIp:
      out->append(event.str(field));
      return;
    case FieldType::kTimestamp: {
      TimestampFormatter formatter;
      out->append(buf, formatter.Write(event.num(field), buf));
      return;
    }
    case FieldType::kReal:
      out->append(buf, PutCoordinate(event.real(field), buf));
      return;
    case FieldType::kAmount:
    case FieldType::kCurrency:
    case FieldType::kEnum:
    case FieldType::kInt:
    case FieldType::kBool:
      out->append(FormatField(event, field));
      return;
  }
}

bool IsJsonNumber(FieldType type) {
  return type == FieldType::kAmount || type == FieldType::kInt || type == FieldType::kReal;
}

std::string_view EnumName(int field, uint8_t value) {
  return SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)].values[value];
}

}  // namespace

// ---------------------------------------------------------------- BlockFile

BlockFile::BlockFile(std::FILE* file, std::string path)
    : file_(file),
      path_(std::move(path)),
      buffer_(std::make_unique_for_overwrite<char[]>(kBlockBytes)),
      capacity_(kBlockBytes) {}

BlockFile::~BlockFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<std::unique_ptr<BlockFile>> BlockFile::Create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Status::FromErrno("cannot create " + path, errno);
  // Our own buffer already makes large blocks; stdio's would only add a copy.
  std::setvbuf(file, nullptr, _IONBF, 0);
  return std::unique_ptr<BlockFile>(new BlockFile(file, path));
}

void BlockFile::Flush() {
  if (size_ > 0 && error_.ok() && file_ != nullptr) {
    if (std::fwrite(buffer_.get(), 1, size_, file_) != size_) {
      error_ = Status::FromErrno("cannot write " + path_, errno);
    }
  }
  size_ = 0;
}

void BlockFile::MakeRoom(size_t bytes) {
  Flush();
  if (bytes > capacity_) {
    capacity_ = std::max(bytes, 2 * capacity_);
    buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
  }
}

void BlockFile::Append(std::string_view text) {
  char* p = Reserve(text.size());
  std::memcpy(p, text.data(), text.size());
  Commit(p + text.size());
}

Status BlockFile::Close() {
  Flush();
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0 && error_.ok()) {
      error_ = Status::FromErrno("cannot close " + path_, errno);
    }
    file_ = nullptr;
  }
  return error_;
}

// ---------------------------------------------------------------- TimestampFormatter

char* TimestampFormatter::Write(Timestamp ts, char* out) {
  const int64_t day = DayNumber(ts);
  const int64_t within = ts - day * kMicrosPerDay;
  if (day != cached_day_) {
    cached_day_ = day;
    const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
    const auto year = static_cast<unsigned>(static_cast<int>(date.year()));
    char* p = PutPadded(year, 4, date_);
    *p++ = '-';
    p = Put2(static_cast<unsigned>(date.month()), p);
    *p++ = '-';
    p = Put2(static_cast<unsigned>(date.day()), p);
    *p = 'T';
  }
  std::memcpy(out, date_, sizeof date_);
  char* p = out + sizeof date_;
  const auto millis = static_cast<unsigned>(within / 1000);
  const unsigned seconds = millis / 1000;
  p = Put2(seconds / 3600, p);
  *p++ = ':';
  p = Put2(seconds / 60 % 60, p);
  *p++ = ':';
  p = Put2(seconds % 60, p);
  *p++ = '.';
  p = PutPadded(millis % 1000, 3, p);
  *p++ = 'Z';
  return p;
}

// ---------------------------------------------------------------- TxWriter

TxWriter::TxWriter(std::unique_ptr<BlockFile> file, OutputFormat format)
    : file_(std::move(file)), format_(format) {
  for (const City& city : Cities()) {
    std::string place;
    if (format_ == OutputFormat::kCsv) {
      place += ',';
      AppendCsvValue(city.country, &place);
      place += ',';
      AppendCsvValue(city.name, &place);
    } else {
      place += ",\"country\":";
      AppendJsonString(city.country, &place);
      place += ",\"city\":";
      AppendJsonString(city.name, &place);
    }
    place_.push_back(std::move(place));
  }
  for (const CurrencyInfo& currency : Currencies()) {
    Money money{};
    std::memcpy(money.code, currency.code.data(), std::min<size_t>(3, currency.code.size()));
    money.exponent = currency.exponent;
    money.scale = 1;
    for (int i = 0; i < currency.exponent; ++i) money.scale *= 10;
    money_.push_back(money);
  }
  if (format_ == OutputFormat::kCsv) file_->Append(CsvHeader(EventKind::kTransaction));
}

void TxWriter::Write(const TxRecord& tx, uint64_t tx_id) {
  // Everything but the place is bounded by 7 ids, a timestamp, an address, two enum names,
  // a 20-digit amount, coordinates and JSON keys: 512 bytes is ample.
  const std::string& place = place_[tx.city];
  char* p = file_->Reserve(512 + place.size());
  p = format_ == OutputFormat::kCsv ? WriteCsv(tx, tx_id, p) : WriteJson(tx, tx_id, p);
  file_->Commit(p);
  ++written_;
}

char* TxWriter::WriteCsv(const TxRecord& tx, uint64_t tx_id, char* p) {
  p = WriteId(IdKind::kTransaction, tx_id, p);
  *p++ = ',';
  p = time_.Write(tx.ts, p);
  *p++ = ',';
  p = WriteId(IdKind::kCustomer, tx.customer, p);
  *p++ = ',';
  if (tx.account != kNone) p = WriteId(IdKind::kAccount, tx.account, p);
  *p++ = ',';
  if (tx.card != kNone) p = WriteId(IdKind::kCard, tx.card, p);
  *p++ = ',';
  if (tx.merchant != kNone) p = WriteId(IdKind::kMerchant, tx.merchant, p);
  *p++ = ',';
  if (tx.device != kNone) p = WriteId(IdKind::kDevice, tx.device, p);
  *p++ = ',';
  if (tx.ipv4 != 0) p = PutIpv4(tx.ipv4, p);
  *p++ = ',';
  p = PutText(EnumName(tx::kChannel, tx.channel), p);
  *p++ = ',';
  p = PutText(EnumName(tx::kType, tx.type), p);
  *p++ = ',';
  const Money& money = money_[tx.currency];
  p = PutAmount(tx.amount, money.exponent, money.scale, p);
  *p++ = ',';
  p = PutText(std::string_view(money.code, 3), p);
  *p++ = ',';
  if (tx.mcc != 0) p = PutUint(tx.mcc, p);
  p = PutText(place_[tx.city], p);
  *p++ = ',';
  if (!std::isnan(tx.lat)) p = PutCoordinate(tx.lat, p);
  *p++ = ',';
  if (!std::isnan(tx.lon)) p = PutCoordinate(tx.lon, p);
  *p++ = ',';
  if (tx.counterparty != kNone) {
    p = WriteId(tx.counterparty_external ? IdKind::kExternal : IdKind::kAccount, tx.counterparty,
                p);
  }
  *p++ = '\n';
  return p;
}

char* TxWriter::WriteJson(const TxRecord& tx, uint64_t tx_id, char* p) {
  auto id = [&p](std::string_view key, IdKind kind, uint64_t index) {
    p = PutText(key, p);
    p = WriteId(kind, index, p);
    *p++ = '"';
  };
  id("{\"tx_id\":\"", IdKind::kTransaction, tx_id);
  p = PutText(",\"ts\":\"", p);
  p = time_.Write(tx.ts, p);
  *p++ = '"';
  id(",\"customer_id\":\"", IdKind::kCustomer, tx.customer);
  if (tx.account != kNone) id(",\"account_id\":\"", IdKind::kAccount, tx.account);
  if (tx.card != kNone) id(",\"card_id\":\"", IdKind::kCard, tx.card);
  if (tx.merchant != kNone) id(",\"merchant_id\":\"", IdKind::kMerchant, tx.merchant);
  if (tx.device != kNone) id(",\"device_id\":\"", IdKind::kDevice, tx.device);
  if (tx.ipv4 != 0) {
    p = PutText(",\"ip\":\"", p);
    p = PutIpv4(tx.ipv4, p);
    *p++ = '"';
  }
  p = PutText(",\"channel\":\"", p);
  p = PutText(EnumName(tx::kChannel, tx.channel), p);
  p = PutText("\",\"type\":\"", p);
  p = PutText(EnumName(tx::kType, tx.type), p);
  p = PutText("\",\"amount\":", p);
  const Money& money = money_[tx.currency];
  p = PutAmount(tx.amount, money.exponent, money.scale, p);
  p = PutText(",\"currency\":\"", p);
  p = PutText(std::string_view(money.code, 3), p);
  *p++ = '"';
  if (tx.mcc != 0) {
    p = PutText(",\"mcc\":", p);
    p = PutUint(tx.mcc, p);
  }
  p = PutText(place_[tx.city], p);
  if (!std::isnan(tx.lat)) {
    p = PutText(",\"lat\":", p);
    p = PutCoordinate(tx.lat, p);
  }
  if (!std::isnan(tx.lon)) {
    p = PutText(",\"lon\":", p);
    p = PutCoordinate(tx.lon, p);
  }
  if (tx.counterparty != kNone) {
    id(",\"counterparty_id\":\"", tx.counterparty_external ? IdKind::kExternal : IdKind::kAccount,
       tx.counterparty);
  }
  *p++ = '}';
  *p++ = '\n';
  return p;
}

// ---------------------------------------------------------------- EventStream

std::string CsvHeader(EventKind kind) {
  std::string out;
  for (const FieldSpec& spec : SchemaFor(kind).fields) {
    if (!out.empty()) out += ',';
    out += spec.name;
  }
  out += '\n';
  return out;
}

void AppendCsvRecord(const Event& event, std::string* out) {
  std::string text;
  const int count = event.schema().field_count();
  for (int field = 0; field < count; ++field) {
    if (field > 0) out->push_back(',');
    if (!event.has(field)) continue;
    text.clear();
    AppendFieldText(event, field, &text);
    AppendCsvValue(text, out);
  }
  out->push_back('\n');
}

void AppendJsonRecord(const Event& event, std::string* out) {
  std::string text;
  const EventSchema& schema = event.schema();
  out->push_back('{');
  bool first = true;
  for (int field = 0; field < schema.field_count(); ++field) {
    if (!event.has(field)) continue;
    const FieldSpec& spec = schema.fields[static_cast<size_t>(field)];
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(spec.name, out);
    out->push_back(':');
    text.clear();
    AppendFieldText(event, field, &text);
    if (IsJsonNumber(spec.type) || spec.type == FieldType::kBool) {
      out->append(text);
    } else {
      AppendJsonString(text, out);
    }
  }
  out->append("}\n");
}

EventStream::EventStream(EventKind kind, std::unique_ptr<BlockFile> file, OutputFormat format)
    : kind_(kind), file_(std::move(file)), format_(format) {
  if (format_ == OutputFormat::kCsv) file_->Append(CsvHeader(kind_));
}

void EventStream::Render(const Event& event, std::string* out) {
  if (format_ == OutputFormat::kCsv) {
    AppendCsvRecord(event, out);
  } else {
    AppendJsonRecord(event, out);
  }
}

namespace {
// The heap's order: the record that comes later is "greater", so the front is the earliest.
struct Later {
  template <typename P>
  bool operator()(const P& a, const P& b) const {
    return a.ts != b.ts ? a.ts > b.ts : a.seq > b.seq;
  }
};
}  // namespace

void EventStream::Push(const Event& event) {
  if (event.ts() < flushed_until_ && late_ts_ == kNoLate) late_ts_ = event.ts();
  Pending pending{event.ts(), seq_++, std::string()};
  Render(event, &pending.line);
  heap_.push_back(std::move(pending));
  std::push_heap(heap_.begin(), heap_.end(), Later());
}

void EventStream::WriteNow(const Event& event) {
  scratch_.clear();
  Render(event, &scratch_);
  file_->Append(scratch_);
  ++written_;
}

Status EventStream::FlushBefore(Timestamp until) {
  if (late_ts_ != kNoLate) {
    return Status::Internal(std::string(SchemaFor(kind_).plural) + " record dated " +
                            FormatIso8601(late_ts_) + " pushed after records up to " +
                            FormatIso8601(flushed_until_) + " were written");
  }
  flushed_until_ = std::max(flushed_until_, until);
  while (!heap_.empty() && heap_.front().ts < until) {
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    file_->Append(heap_.back().line);
    heap_.pop_back();
    ++written_;
  }
  return file_->status();
}

Status EventStream::Close() {
  PANO_RETURN_IF_ERROR(FlushBefore(std::numeric_limits<Timestamp>::max()));
  return file_->Close();
}

}  // namespace panorama::generate
