#include "core/schema.h"

#include <cstdint>
#include <limits>

namespace panorama {
namespace {

constexpr uint32_t kIdBytes = 128;
constexpr uint32_t kNameBytes = 256;
constexpr uint32_t kPostBytes = 64 * 1024;

constexpr std::string_view kChannels[] = {"POS", "ATM", "COUNTER", "ONLINE", "MOBILE", "TRANSFER"};
constexpr std::string_view kTxTypes[] = {"PURCHASE", "WITHDRAWAL", "TRANSFER",
                                         "REFUND",   "PAYMENT",    "DEPOSIT"};
constexpr std::string_view kLabelSources[] = {"CHARGEBACK", "CONFIRMED", "CUSTOMER_REPORT",
                                              "ANALYST", "SIMULATION"};
constexpr std::string_view kIncomeBands[] = {"LOW", "LOWER_MIDDLE", "MIDDLE", "UPPER_MIDDLE",
                                             "HIGH"};
constexpr std::string_view kMerchantSizes[] = {"MICRO", "SMALL", "MEDIUM", "LARGE"};
constexpr std::string_view kBorrowerTypes[] = {"MERCHANT", "CUSTOMER"};
constexpr std::string_view kLoanStatuses[] = {"ISSUED", "REPAID", "LATE", "DEFAULT", "WRITTEN_OFF"};
constexpr std::string_view kProducts[] = {"WEALTH",    "CARD_UPGRADE", "CONSUMER_LOAN",
                                          "INSURANCE", "FUND",         "MERCHANT_LOAN"};
constexpr std::string_view kOfferChannels[] = {"SMS", "EMAIL", "APP", "CALL", "BRANCH"};
constexpr std::string_view kResponses[] = {"ACCEPTED", "DECLINED", "NO_RESPONSE"};
constexpr std::string_view kSentiments[] = {"NEGATIVE", "NEUTRAL", "POSITIVE"};
constexpr std::string_view kDecisions[] = {"APPROVE", "REVIEW", "DECLINE"};

constexpr FieldSpec Id(std::string_view name, bool required, std::string_view doc) {
  return {.name = name,
          .type = FieldType::kId,
          .required = required,
          .max_bytes = kIdBytes,
          .doc = doc};
}
constexpr FieldSpec Text(std::string_view name, uint32_t max_bytes, std::string_view doc,
                         bool pii = false) {
  return {.name = name, .type = FieldType::kText, .max_bytes = max_bytes, .pii = pii, .doc = doc};
}
constexpr FieldSpec Time(std::string_view name, bool required, std::string_view doc) {
  return {.name = name, .type = FieldType::kTimestamp, .required = required, .doc = doc};
}
constexpr FieldSpec Enum(std::string_view name, bool required,
                         std::span<const std::string_view> values, std::string_view doc) {
  return {
      .name = name, .type = FieldType::kEnum, .required = required, .values = values, .doc = doc};
}
constexpr FieldSpec Int(std::string_view name, int64_t min, int64_t max, std::string_view doc) {
  return {.name = name, .type = FieldType::kInt, .min = min, .max = max, .doc = doc};
}
constexpr FieldSpec Real(std::string_view name, double min, double max, std::string_view doc) {
  return {.name = name, .type = FieldType::kReal, .real_min = min, .real_max = max, .doc = doc};
}
constexpr FieldSpec Amount(std::string_view name, int currency_field, std::string_view doc) {
  return {.name = name,
          .type = FieldType::kAmount,
          .required = true,
          .currency_field = currency_field,
          .doc = doc};
}
constexpr FieldSpec Currency(std::string_view name, std::string_view doc) {
  return {.name = name, .type = FieldType::kCurrency, .required = true, .doc = doc};
}
constexpr FieldSpec Country(std::string_view name, std::string_view doc) {
  return {.name = name, .type = FieldType::kCountry, .doc = doc};
}
constexpr FieldSpec Bool(std::string_view name, bool required, std::string_view doc) {
  return {.name = name, .type = FieldType::kBool, .required = required, .doc = doc};
}

constexpr FieldSpec kTransactionFields[] = {
    Id("tx_id", true, "idempotency key of the transaction"),
    Time("ts", true, "when the transaction happened"),
    Id("customer_id", true, "the customer who initiated it"),
    Id("account_id", false, "the account debited or credited"),
    Id("card_id", false, "the card used, for card channels"),
    Id("merchant_id", false, "the merchant paid, for purchases and refunds"),
    Id("device_id", false, "the device fingerprint, for online and mobile channels"),
    {.name = "ip", .type = FieldType::kIp, .doc = "IPv4 or IPv6 address of the initiator"},
    Enum("channel", true, kChannels, "where it was initiated"),
    Enum("type", true, kTxTypes, "what kind of movement it is"),
    Amount("amount", tx::kCurrency, "non-negative amount in the currency's minor units"),
    Currency("currency", "ISO 4217 code"),
    Int("mcc", 0, 9999, "merchant category code (ISO 18245)"),
    Country("country", "where it happened"),
    Text("city", kNameBytes, "where it happened"),
    Real("lat", -90, 90, "latitude in degrees"),
    Real("lon", -180, 180, "longitude in degrees"),
    Id("counterparty_id", false, "the other party of a transfer"),
};

constexpr FieldSpec kLabelFields[] = {
    Id("tx_id", true, "the labelled transaction"),
    Time("ts", true, "when the label became known"),
    Bool("is_fraud", true, "true for fraud or financial crime, false for a cleared transaction"),
    Enum("source", false, kLabelSources, "where the label comes from"),
    Text("pattern", kNameBytes, "the fraud or laundering pattern, e.g. card_testing"),
    Text("note", 4096, "free-text analyst note"),
};

constexpr FieldSpec kCustomerFields[] = {
    Id("customer_id", true, "the customer"),
    Time("ts", true, "the time this snapshot of the customer is valid from"),
    Time("joined_at", false, "when the customer relationship began"),
    Int("birth_year", 1900, 2100, "year of birth"),
    Text("region", kNameBytes, "home region or province"),
    Text("city", kNameBytes, "home city"),
    Country("country", "home country"),
    Real("home_lat", -90, 90, "home latitude"),
    Real("home_lon", -180, 180, "home longitude"),
    Enum("income_band", false, kIncomeBands, "declared income band"),
    Text("occupation", kNameBytes, "occupation class"),
    Text("segment", kNameBytes, "the institution's own segment label"),
    Text("name", kNameBytes, "full name (personal data: tokenized)", true),
    Text("phone", kNameBytes, "phone number (personal data: tokenized)", true),
    Text("email", kNameBytes, "e-mail address (personal data: tokenized)", true),
    Text("national_id", kNameBytes, "national identity number (personal data: tokenized)", true),
    Text("products", kNameBytes, "products held, ';'-separated, e.g. CARD_UPGRADE;WEALTH"),
};

constexpr FieldSpec kMerchantFields[] = {
    Id("merchant_id", true, "the merchant"),
    Time("ts", true, "the time this snapshot of the merchant is valid from"),
    Text("name", kNameBytes, "trading name"),
    Int("mcc", 0, 9999, "merchant category code (ISO 18245)"),
    Country("country", "country of business"),
    Text("city", kNameBytes, "city of business"),
    Real("lat", -90, 90, "latitude"),
    Real("lon", -180, 180, "longitude"),
    Bool("online", false, "true for an online-only merchant"),
    Time("opened_at", false, "when the merchant started trading"),
    Enum("size", false, kMerchantSizes, "size class"),
    Text("region", kNameBytes, "region or province"),
};

constexpr FieldSpec kLoanFields[] = {
    Id("loan_id", true, "the loan"),
    Time("ts", true, "when this status was reached"),
    Enum("borrower_type", true, kBorrowerTypes, "who borrowed"),
    Id("borrower_id", true, "merchant_id or customer_id of the borrower"),
    Enum("status", true, kLoanStatuses, "the loan's status at ts"),
    Amount("principal", loan::kCurrency, "principal in minor units"),
    Currency("currency", "ISO 4217 code"),
    Int("term_days", 1, 36500, "contractual term in days"),
    Int("rate_bp", 0, 100000, "annual interest rate in basis points"),
    Time("issued_at", false, "when the loan was issued"),
    Time("due_at", false, "when the loan is due"),
    Int("days_past_due", 0, 36500, "days past due at ts"),
    Enum("product", false, kProducts, "loan product"),
};

constexpr FieldSpec kOfferFields[] = {
    Id("offer_id", true, "the offer"),
    Time("ts", true, "when the offer was made"),
    Id("customer_id", true, "the customer offered"),
    Enum("product", true, kProducts, "the product offered"),
    Enum("channel", false, kOfferChannels, "how it was offered"),
    Id("campaign_id", false, "the marketing campaign"),
    Enum("response", false, kResponses, "the customer's response, once known"),
    Time("responded_at", false, "when the customer responded"),
};

constexpr FieldSpec kPostFields[] = {
    Id("post_id", true, "the post or article"),
    Time("ts", true, "when it was published"),
    Text("source", kNameBytes, "where it was published (forum, news site, social network)"),
    Id("author_id", false, "the author's handle"),
    Text("lang", 16, "BCP 47 language tag, e.g. en or zh"),
    Text("title", 1024, "headline"),
    {.name = "text",
     .type = FieldType::kText,
     .required = true,
     .max_bytes = kPostBytes,
     .doc = "the body text"},
    Text("url", 2048, "where it can be read"),
    Enum("sentiment", false, kSentiments, "sentiment label, where known"),
    Text("mentions", 4096, "entities mentioned, e.g. BANK:B01;STOCK:600036"),
};

constexpr FieldSpec kDecisionFields[] = {
    Id("tx_id", true, "the transaction decided"),
    Time("ts", true, "the transaction's own time"),
    Time("decided_at", false, "when the engine decided (wall clock)"),
    Int("score", 0, 1000, "risk score: model points plus rule points, clamped to 0-1000"),
    Enum("decision", true, kDecisions, "what the policy decided"),
    Real("model_score", 0, 1, "the model's probability of fraud, when a model served"),
    Int("rule_points", -1000000, 1000000, "the sum of the points of the rules that fired"),
    Text("rules", 4096, "ids of the rules that fired, ';'-separated"),
    Text("tags", 4096, "tags of the rules that fired, ';'-separated"),
    Text("reasons", 4096, "the features that pushed the score most, ';'-separated"),
    Text("ruleset", kNameBytes, "rule set name@version"),
    Text("model", kNameBytes, "model id, when a model served"),
    Id("customer_id", false, "the transaction's customer"),
    {.name = "amount",
     .type = FieldType::kAmount,
     .currency_field = decision::kCurrency,
     .doc = "the transaction's amount in minor units"},
    {.name = "currency", .type = FieldType::kCurrency, .doc = "the transaction's currency"},
    Int("latency_us", 0, std::numeric_limits<int64_t>::max(),
        "microseconds from receipt to decision"),
};

constexpr EventSchema kSchemas[] = {
    {EventKind::kTransaction, "transaction", "transactions", kTransactionFields, false},
    {EventKind::kLabel, "label", "labels", kLabelFields, true},
    {EventKind::kCustomer, "customer", "customers", kCustomerFields, true},
    {EventKind::kMerchant, "merchant", "merchants", kMerchantFields, true},
    {EventKind::kLoan, "loan", "loans", kLoanFields, true},
    {EventKind::kOffer, "offer", "offers", kOfferFields, false},
    {EventKind::kPost, "post", "posts", kPostFields, false},
    {EventKind::kDecision, "decision", "decisions", kDecisionFields, false},
};

static_assert(std::size(kTransactionFields) <= kMaxFields);
static_assert(std::size(kCustomerFields) <= kMaxFields);

}  // namespace

StorageClass StorageOf(FieldType type) {
  switch (type) {
    case FieldType::kId:
    case FieldType::kText:
    case FieldType::kCountry:
    case FieldType::kIp:
      return StorageClass::kString;
    case FieldType::kReal:
      return StorageClass::kReal;
    case FieldType::kTimestamp:
    case FieldType::kAmount:
    case FieldType::kCurrency:
    case FieldType::kEnum:
    case FieldType::kInt:
    case FieldType::kBool:
      return StorageClass::kNumber;
  }
  return StorageClass::kNumber;
}

int EventSchema::FieldIndex(std::string_view field_name) const {
  for (int i = 0; i < field_count(); ++i) {
    if (fields[static_cast<size_t>(i)].name == field_name) return i;
  }
  return -1;
}

const EventSchema& SchemaFor(EventKind kind) { return kSchemas[static_cast<size_t>(kind) - 1]; }

std::optional<EventKind> KindFromName(std::string_view name) {
  for (const auto& schema : kSchemas) {
    if (name == schema.plural || name == schema.name) return schema.kind;
  }
  return std::nullopt;
}

std::string_view KindName(EventKind kind) { return SchemaFor(kind).name; }

int EnumIndex(const FieldSpec& spec, std::string_view text) {
  for (size_t i = 0; i < spec.values.size(); ++i) {
    if (spec.values[i] == text) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace panorama
