#include "core/event_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"

namespace panorama {
namespace {

using Rng = std::mt19937_64;

std::string RandomString(Rng& rng, std::string_view alphabet, size_t min_len, size_t max_len) {
  size_t len = min_len + rng() % (max_len - min_len + 1);
  std::string out;
  for (size_t i = 0; i < len; ++i) out.push_back(alphabet[rng() % alphabet.size()]);
  return out;
}

constexpr std::string_view kIdChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:.";

std::vector<Currency> AllCurrencies() {
  std::vector<Currency> out;
  for (uint16_t packed = 1; packed <= 26 * 26 * 26; ++packed) {
    if (auto currency = Currency::FromPacked(packed)) out.push_back(*currency);
  }
  return out;
}

// Sets field `i` of `event` to a random value that is valid for its type.
void SetRandomField(Rng& rng, const FieldSpec& spec, int i, Event* event) {
  static const std::vector<Currency> currencies = AllCurrencies();
  switch (spec.type) {
    case FieldType::kId:
      event->set_str(i, RandomString(rng, kIdChars, 1, 40));
      break;
    case FieldType::kText: {
      // Printable text, UTF-8 ("é", "中") and, now and then, a long value.
      std::string text = RandomString(rng, "abc xyz,;\"'\t\n", 0, 30);
      if (rng() % 3 == 0) text += "\xC3\xA9\xE4\xB8\xAD";
      if (rng() % 20 == 0) text += std::string(300 + rng() % 3000, 'L');
      event->set_str(i, text.substr(0, spec.max_bytes));
      break;
    }
    case FieldType::kCountry:
      event->set_str(i, RandomString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2, 2));
      break;
    case FieldType::kIp:
      event->set_str(i, rng() % 2 ? "203.0.113." + std::to_string(rng() % 256)
                                  : "2001:db8::" + std::to_string(rng() % 10000));
      break;
    case FieldType::kTimestamp:
      event->set_num(
          i, std::uniform_int_distribution<Timestamp>(kMinTimestamp, kMaxTimestamp - 1)(rng));
      break;
    case FieldType::kAmount: {
      // Any int64, including both extremes, with small values over-represented.
      auto bits = static_cast<int64_t>(rng());
      int pick = static_cast<int>(rng() % 8);
      int64_t value = pick == 0   ? std::numeric_limits<int64_t>::min()
                      : pick == 1 ? std::numeric_limits<int64_t>::max()
                      : pick < 5  ? bits % 100000
                                  : bits;
      event->set_num(i, value);
      break;
    }
    case FieldType::kCurrency:
      event->set_num(i, currencies[rng() % currencies.size()].Packed());
      break;
    case FieldType::kEnum:
      event->set_num(i, static_cast<int64_t>(rng() % spec.values.size()));
      break;
    case FieldType::kInt:
      event->set_num(i, std::uniform_int_distribution<int64_t>(spec.min, spec.max)(rng));
      break;
    case FieldType::kBool:
      event->set_num(i, static_cast<int64_t>(rng() % 2));
      break;
    case FieldType::kReal:
      event->set_real(i, std::uniform_real_distribution<double>(spec.real_min, spec.real_max)(rng));
      break;
  }
}

// A random valid event of `kind`: id and ts always present, every other field half the time.
Event RandomEvent(Rng& rng, EventKind kind) {
  Event event(kind);
  const EventSchema& schema = SchemaFor(kind);
  for (int i = 0; i < schema.field_count(); ++i) {
    if (i < 2 || rng() % 2 == 0)
      SetRandomField(rng, schema.fields[static_cast<size_t>(i)], i, &event);
  }
  return event;
}

std::string Encode(const Event& event) {
  std::string out;
  EncodeEvent(event, &out);
  return out;
}

// A pool of valid encodings of every kind, to mutate.
std::vector<std::string> ValidEncodings(Rng& rng, int per_kind) {
  std::vector<std::string> out;
  for (EventKind kind : kAllEventKinds) {
    for (int n = 0; n < per_kind; ++n) out.push_back(Encode(RandomEvent(rng, kind)));
  }
  return out;
}

Event LabelEvent(std::string_view tx_id, Timestamp ts) {
  Event event(EventKind::kLabel);
  event.set_str(label::kTxId, tx_id);
  event.set_num(label::kTs, ts);
  return event;
}

TEST(EventCodecTest, EncodesTheDocumentedLayout) {
  Event event = LabelEvent("t1", -1);
  event.set_num(label::kIsFraud, 1);
  // kind 2; mask 0b111; "t1" with its length; zigzag(-1) = 1; zigzag(1) = 2.
  EXPECT_EQ(Encode(event), std::string("\x02\x07\x02t1\x01\x02", 7));
}

TEST(EventCodecTest, EncodesRealsAsLittleEndianIeee754) {
  Event event(EventKind::kTransaction);
  event.set_str(tx::kTxId, "x");
  event.set_num(tx::kTs, 0);
  event.set_real(tx::kLat, 1.0);
  // Mask bits 0, 1 and 15 (lat) as a varint: 0x8003 -> 0x83 0x80 0x02.
  EXPECT_EQ(Encode(event),
            std::string("\x01\x83\x80\x02\x01x\x00\x00\x00\x00\x00\x00\x00\xF0\x3F", 15));
}

TEST(EventCodecTest, EncodesZigZagVarints) {
  Event event = LabelEvent("", 150);  // zigzag(150) = 300 = 0xAC 0x02
  EXPECT_EQ(Encode(event), std::string("\x02\x03\x00\xAC\x02", 5));
}

TEST(EventCodecTest, EncodeAppendsToTheOutput) {
  std::string out = "prefix";
  Event event = LabelEvent("t1", 0);
  EncodeEvent(event, &out);
  EXPECT_EQ(out, "prefix" + Encode(event));
}

// Every kind a log holds: the input kinds and the engine's decisions.
std::vector<EventKind> LoggedKinds() {
  std::vector<EventKind> kinds(kAllEventKinds.begin(), kAllEventKinds.end());
  kinds.push_back(EventKind::kDecision);
  return kinds;
}

TEST(EventCodecTest, RoundTripsRandomEventsOfEveryKind) {
  Rng rng(20240301);
  for (EventKind kind : LoggedKinds()) {
    for (int n = 0; n < 300; ++n) {
      Event event = RandomEvent(rng, kind);
      std::string bytes = Encode(event);
      Event decoded;
      Status status = DecodeEvent(bytes, &decoded);
      ASSERT_TRUE(status.ok()) << status.ToString() << " for " << event.DebugString();
      ASSERT_EQ(decoded.kind(), kind);
      ASSERT_EQ(decoded.present_mask(), event.present_mask());
      ASSERT_TRUE(decoded == event) << event.DebugString() << "\n" << decoded.DebugString();
      ASSERT_EQ(Encode(decoded), bytes);
    }
  }
}

TEST(EventCodecTest, RoundTripsEveryFieldOfEveryKind) {
  Rng rng(99);
  for (EventKind kind : LoggedKinds()) {
    const EventSchema& schema = SchemaFor(kind);
    Event event(kind);
    for (int i = 0; i < schema.field_count(); ++i) {
      SetRandomField(rng, schema.fields[static_cast<size_t>(i)], i, &event);
    }
    Event decoded;
    ASSERT_TRUE(DecodeEvent(Encode(event), &decoded).ok());
    EXPECT_EQ(decoded.present_mask(), (1U << schema.field_count()) - 1) << KindName(kind);
    EXPECT_TRUE(decoded == event) << event.DebugString();
  }
}

TEST(EventCodecTest, RoundTripsExtremeNumbersAndRealBitPatterns) {
  Event event(EventKind::kTransaction);
  event.set_str(tx::kTxId, "edge");
  event.set_num(tx::kTs, std::numeric_limits<int64_t>::min());
  event.set_num(tx::kAmount, std::numeric_limits<int64_t>::max());
  event.set_real(tx::kLat, -0.0);
  event.set_real(tx::kLon, std::numeric_limits<double>::quiet_NaN());
  event.set_str(tx::kCity, std::string("a\0b", 3));
  Event decoded;
  ASSERT_TRUE(DecodeEvent(Encode(event), &decoded).ok());
  EXPECT_EQ(decoded.ts(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(decoded.num(tx::kAmount), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(std::signbit(decoded.real(tx::kLat)));
  EXPECT_TRUE(std::isnan(decoded.real(tx::kLon)));
  EXPECT_EQ(decoded.str(tx::kCity), std::string_view("a\0b", 3));
  EXPECT_TRUE(decoded == event);
}

TEST(EventCodecTest, DecodeReusesAnEventOfAnotherKind) {
  Rng rng(5);
  Event reused = RandomEvent(rng, EventKind::kPost);
  for (int n = 0; n < 200; ++n) {
    EventKind kind = kAllEventKinds[rng() % kAllEventKinds.size()];
    Event event = RandomEvent(rng, kind);
    ASSERT_TRUE(DecodeEvent(Encode(event), &reused).ok());
    ASSERT_EQ(reused.kind(), kind);
    ASSERT_TRUE(reused == event) << event.DebugString() << "\n" << reused.DebugString();
  }
}

TEST(EventCodecTest, DecodeAfterAFailedDecodeIsClean) {
  Rng rng(6);
  Event event = RandomEvent(rng, EventKind::kCustomer);
  std::string bytes = Encode(event);
  Event reused;
  EXPECT_FALSE(DecodeEvent(std::string_view(bytes).substr(0, bytes.size() - 1), &reused).ok());
  ASSERT_TRUE(DecodeEvent(bytes, &reused).ok());
  EXPECT_TRUE(reused == event);
}

TEST(EventTest, ResetEmptiesTheEventAndSetsItsKind) {
  Rng rng(8);
  Event event = RandomEvent(rng, EventKind::kCustomer);
  event.Reset(EventKind::kLabel);
  EXPECT_EQ(event.kind(), EventKind::kLabel);
  EXPECT_EQ(event.present_mask(), 0U);
  event.set_str(label::kTxId, "t9");
  event.set_num(label::kTs, 42);
  EXPECT_TRUE(event == LabelEvent("t9", 42));
}

TEST(EventTest, EqualityComparesPresentValuesOnly) {
  Event a = LabelEvent("t1", 5);
  Event b = LabelEvent("t1", 5);
  EXPECT_TRUE(a == b);
  b.set_num(label::kIsFraud, 0);
  EXPECT_FALSE(a == b);
  b.clear_field(label::kIsFraud);
  EXPECT_TRUE(a == b);
  b.set_str(label::kTxId, "t2");
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(LabelEvent("t1", 5) == LabelEvent("t1", 6));
}

TEST(EventCodecTest, RejectsEmptyInput) {
  Event event;
  EXPECT_EQ(DecodeEvent("", &event).code(), StatusCode::kCorruption);
}

TEST(EventCodecTest, RejectsUnknownKinds) {
  std::string bytes = Encode(LabelEvent("t1", 0));
  for (int kind : {0, 9, 10, 0x7F, 0x80, 0xFF}) {
    bytes[0] = static_cast<char>(kind);
    Event event;
    EXPECT_EQ(DecodeEvent(bytes, &event).code(), StatusCode::kCorruption) << kind;
  }
}

TEST(EventCodecTest, RejectsAMaskNamingFieldsPastTheSchema) {
  // Labels have six fields; bit 6 names none.
  Event event;
  EXPECT_EQ(DecodeEvent(std::string("\x02\x43\x02t1\x00\x00", 7), &event).code(),
            StatusCode::kCorruption);
  // A ten-byte mask with the top bit set.
  EXPECT_EQ(
      DecodeEvent(std::string("\x02\x83\x80\x80\x80\x80\x80\x80\x80\x80\x01\x02t1\x00", 15), &event)
          .code(),
      StatusCode::kCorruption);
}

TEST(EventCodecTest, RejectsAnEventWithoutIdOrTs) {
  Event no_ts(EventKind::kLabel);
  no_ts.set_str(label::kTxId, "t1");
  Event no_id(EventKind::kLabel);
  no_id.set_num(label::kTs, 1);
  Event decoded;
  EXPECT_EQ(DecodeEvent(Encode(no_ts), &decoded).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeEvent(Encode(no_id), &decoded).code(), StatusCode::kCorruption);
}

TEST(EventCodecTest, RejectsAnOverlongVarint) {
  Event event;
  // The ts varint never ends within ten bytes.
  std::string bytes("\x02\x03\x02t1", 5);
  bytes += std::string(11, '\x80');
  bytes += '\x01';
  EXPECT_EQ(DecodeEvent(bytes, &event).code(), StatusCode::kCorruption);
}

TEST(EventCodecTest, RejectsAStringLongerThanTheRecord) {
  Event event;
  EXPECT_EQ(DecodeEvent(std::string("\x02\x03\x05t1\x00", 5), &event).code(),
            StatusCode::kCorruption);
  // A length near 2^64 must not wrap around the bounds check.
  std::string bytes("\x02\x03", 2);
  bytes += std::string(9, '\xFF');
  bytes += '\x01';
  bytes += "t1";
  EXPECT_EQ(DecodeEvent(bytes, &event).code(), StatusCode::kCorruption);
}

TEST(EventCodecTest, RejectsEveryTruncation) {
  Rng rng(11);
  for (const std::string& bytes : ValidEncodings(rng, 40)) {
    for (size_t len = 0; len < bytes.size(); ++len) {
      Event event;
      ASSERT_EQ(DecodeEvent(std::string_view(bytes).substr(0, len), &event).code(),
                StatusCode::kCorruption)
          << "length " << len << " of " << bytes.size();
    }
  }
}

TEST(EventCodecTest, RejectsTrailingBytes) {
  Rng rng(12);
  for (const std::string& bytes : ValidEncodings(rng, 40)) {
    for (std::string_view tail :
         {std::string_view("\0", 1), std::string_view("x"), std::string_view(bytes)}) {
      Event event;
      ASSERT_EQ(DecodeEvent(bytes + std::string(tail), &event).code(), StatusCode::kCorruption);
    }
  }
}

// Decoding arbitrary bytes either fails with Corruption or yields an event that re-encodes
// to something that decodes to the same event. Run under ASan/UBSan, it must never crash.
void ExpectCorruptionOrConsistent(std::string_view bytes) {
  Event event(EventKind::kPost);
  event.set_str(post::kText, "stale");
  Status status = DecodeEvent(bytes, &event);
  if (!status.ok()) {
    ASSERT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
    return;
  }
  ASSERT_TRUE(event.has(0) && event.has(1));
  EXPECT_FALSE(event.DebugString().empty());
  Event again;
  ASSERT_TRUE(DecodeEvent(Encode(event), &again).ok());
  ASSERT_TRUE(again == event);
}

TEST(EventCodecTest, RandomMutationsOfValidEncodingsNeverCrash) {
  Rng rng(0xC0FFEE);
  std::vector<std::string> valid = ValidEncodings(rng, 20);
  int corrupt = 0;
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string bytes = valid[rng() % valid.size()];
    int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      size_t at = bytes.empty() ? 0 : rng() % bytes.size();
      switch (rng() % 6) {
        case 0:  // flip a bit
          if (!bytes.empty()) bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
          break;
        case 1:  // overwrite a byte
          if (!bytes.empty()) bytes[at] = static_cast<char>(rng());
          break;
        case 2:  // insert a byte
          bytes.insert(at, 1, static_cast<char>(rng()));
          break;
        case 3:  // erase a byte
          if (!bytes.empty()) bytes.erase(at, 1);
          break;
        case 4:  // truncate
          bytes.resize(at);
          break;
        case 5:  // append garbage
          bytes += static_cast<char>(rng());
          break;
      }
    }
    Status probe = [&] {
      Event event;
      return DecodeEvent(bytes, &event);
    }();
    if (!probe.ok()) ++corrupt;
    ExpectCorruptionOrConsistent(bytes);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(corrupt, 2500);  // most mutations are caught
}

TEST(EventCodecTest, RandomGarbageNeverCrashes) {
  Rng rng(0xBADF00D);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    // Half the time start with a known kind so that decoding gets past the first byte.
    if (!bytes.empty() && rng() % 2 == 0) bytes[0] = static_cast<char>(1 + rng() % 7);
    ExpectCorruptionOrConsistent(bytes);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace panorama
