// The canonical schema: every event kind Panorama holds, its fields and their rules.
// docs/schema.md is the user-facing description of this table; keep the two in step.
//
// Invariants every schema keeps:
//  - field 0 is the kind's own id and field 1 its timestamp `ts` (both required);
//  - field numbers are append-only: a stored record names its fields by number, so a
//    field is never renumbered or reused;
//  - an amount field names the currency field whose exponent scales it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace panorama {

enum class EventKind : uint8_t {
  kTransaction = 1,
  kLabel = 2,
  kCustomer = 3,
  kMerchant = 4,
  kLoan = 5,
  kOffer = 6,
  kPost = 7,
  // Written by the engine, never ingested: the decision on one transaction (the audit trail).
  kDecision = 8,
};
// The kinds of input data (what `panorama ingest` and the generator take). The log also holds
// kDecision records, which only the engine writes.
constexpr std::array<EventKind, 7> kAllEventKinds = {
    EventKind::kTransaction, EventKind::kLabel, EventKind::kCustomer, EventKind::kMerchant,
    EventKind::kLoan,        EventKind::kOffer, EventKind::kPost};

enum class FieldType : uint8_t {
  kId,         // non-empty, at most max_bytes, printable UTF-8 without spaces or controls
  kText,       // UTF-8, at most max_bytes, no NUL
  kTimestamp,  // UTC microseconds (ISO 8601 or epoch in files)
  kAmount,     // integer minor units of the currency in `currency_field`
  kCurrency,   // ISO 4217 code, stored packed
  kEnum,       // one of `values` (upper case), stored as its index
  kInt,        // int64 in [min, max]
  kReal,       // finite double in [real_min, real_max] (coordinates, never money)
  kBool,       // true/false (also 1/0, yes/no)
  kCountry,    // ISO 3166-1 alpha-2, upper case
  kIp,         // IPv4 or IPv6 address
};

// Where a field's value lives inside an Event.
enum class StorageClass : uint8_t { kNumber, kReal, kString };
StorageClass StorageOf(FieldType type);

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required = false;
  uint32_t max_bytes = 0;                    // kId, kText
  int64_t min = 0, max = 0;                  // kInt
  double real_min = 0, real_max = 0;         // kReal
  std::span<const std::string_view> values;  // kEnum
  int currency_field = -1;                   // kAmount
  bool pii = false;                          // personal data: tokenized at ingest
  std::string_view doc;
};

constexpr int kMaxFields = 32;

// Seven static instances, so the fields stay in reading order rather than packing order.
struct EventSchema {  // NOLINT(clang-analyzer-optin.performance.Padding)
  EventKind kind;
  std::string_view name;    // singular: "transaction"
  std::string_view plural;  // the --kind name: "transactions"
  std::span<const FieldSpec> fields;
  // The idempotency key is field 0, plus the timestamp when key_includes_ts (kinds whose
  // records are dated versions of an entity, such as customer snapshots).
  bool key_includes_ts = false;

  int field_count() const { return static_cast<int>(fields.size()); }
  // The field number of `name`, or -1.
  int FieldIndex(std::string_view field_name) const;
};

const EventSchema& SchemaFor(EventKind kind);
// Accepts the plural ("transactions") and singular ("transaction") names.
std::optional<EventKind> KindFromName(std::string_view name);
std::string_view KindName(EventKind kind);
// The enum value index of `text` in field `spec`, or -1.
int EnumIndex(const FieldSpec& spec, std::string_view text);

// Field numbers of each kind, for code that reads events by field.
namespace tx {
enum Field : int {
  kTxId,
  kTs,
  kCustomerId,
  kAccountId,
  kCardId,
  kMerchantId,
  kDeviceId,
  kIp,
  kChannel,
  kType,
  kAmount,
  kCurrency,
  kMcc,
  kCountry,
  kCity,
  kLat,
  kLon,
  kCounterpartyId,
};
}  // namespace tx
// Values of the transaction's `channel` and `type` enums, in schema order.
namespace tx_channel {
enum Value : int { kPos, kAtm, kCounter, kOnline, kMobile, kTransfer };
}  // namespace tx_channel
namespace tx_type {
enum Value : int { kPurchase, kWithdrawal, kTransfer, kRefund, kPayment, kDeposit };
}  // namespace tx_type

namespace label {
enum Field : int { kTxId, kTs, kIsFraud, kSource, kPattern, kNote };
}  // namespace label

namespace decision {
enum Field : int {
  kTxId,
  kTs,
  kDecidedAt,
  kScore,
  kDecision,
  kModelScore,
  kRulePoints,
  kRules,
  kTags,
  kReasons,
  kRuleSet,
  kModel,
  kCustomerId,
  kAmount,
  kCurrency,
  kLatencyUs,
};
}  // namespace decision
// Values of the decision's `decision` enum, in schema order (worst last).
namespace decision_value {
enum Value : int { kApprove, kReview, kDecline };
}  // namespace decision_value
namespace customer {
enum Field : int {
  kCustomerId,
  kTs,
  kJoinedAt,
  kBirthYear,
  kRegion,
  kCity,
  kCountry,
  kHomeLat,
  kHomeLon,
  kIncomeBand,
  kOccupation,
  kSegment,
  kName,
  kPhone,
  kEmail,
  kNationalId,
  kProducts,
};
}  // namespace customer

namespace merchant {
enum Field : int {
  kMerchantId,
  kTs,
  kName,
  kMcc,
  kCountry,
  kCity,
  kLat,
  kLon,
  kOnline,
  kOpenedAt,
  kSize,
  kRegion,
};
}  // namespace merchant

namespace loan {
enum Field : int {
  kLoanId,
  kTs,
  kBorrowerType,
  kBorrowerId,
  kStatus,
  kPrincipal,
  kCurrency,
  kTermDays,
  kRateBp,
  kIssuedAt,
  kDueAt,
  kDaysPastDue,
  kProduct,
};
}  // namespace loan

namespace offer {
enum Field : int {
  kOfferId,
  kTs,
  kCustomerId,
  kProduct,
  kChannel,
  kCampaignId,
  kResponse,
  kRespondedAt,
};
}  // namespace offer

namespace post {
enum Field : int {
  kPostId,
  kTs,
  kSource,
  kAuthorId,
  kLang,
  kTitle,
  kText,
  kUrl,
  kSentiment,
  kMentions,
};
}  // namespace post

}  // namespace panorama
