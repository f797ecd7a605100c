#include "core/schema.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace panorama {
namespace {

class SchemaInvariantTest : public ::testing::TestWithParam<EventKind> {
 protected:
  const EventSchema& schema() const { return SchemaFor(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(AllKinds, SchemaInvariantTest, ::testing::ValuesIn(kAllEventKinds),
                         [](const ::testing::TestParamInfo<EventKind>& param_info) {
                           return std::string(KindName(param_info.param));
                         });

TEST_P(SchemaInvariantTest, DescribesItsOwnKind) {
  EXPECT_EQ(schema().kind, GetParam());
  EXPECT_EQ(KindName(GetParam()), schema().name);
  EXPECT_EQ(std::string(schema().plural), std::string(schema().name) + "s");
}

TEST_P(SchemaInvariantTest, FieldZeroIsTheRequiredId) {
  ASSERT_GE(schema().field_count(), 2);
  const FieldSpec& id = schema().fields[0];
  EXPECT_EQ(id.type, FieldType::kId);
  EXPECT_TRUE(id.required);
}

TEST_P(SchemaInvariantTest, FieldOneIsTheRequiredTimestampTs) {
  const FieldSpec& ts = schema().fields[1];
  EXPECT_EQ(ts.name, "ts");
  EXPECT_EQ(ts.type, FieldType::kTimestamp);
  EXPECT_TRUE(ts.required);
  EXPECT_EQ(schema().FieldIndex("ts"), 1);
}

TEST_P(SchemaInvariantTest, FitsTheFieldMask) { EXPECT_LE(schema().field_count(), kMaxFields); }

TEST_P(SchemaInvariantTest, FieldNamesAreUniqueLowerSnakeCase) {
  std::set<std::string_view> seen;
  for (const FieldSpec& field : schema().fields) {
    EXPECT_TRUE(seen.insert(field.name).second) << "duplicate " << field.name;
    ASSERT_FALSE(field.name.empty());
    for (char c : field.name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << field.name;
    }
    EXPECT_FALSE(field.doc.empty()) << field.name;
  }
}

TEST_P(SchemaInvariantTest, FieldIndexFindsEveryField) {
  for (int i = 0; i < schema().field_count(); ++i) {
    EXPECT_EQ(schema().FieldIndex(schema().fields[static_cast<size_t>(i)].name), i);
  }
  EXPECT_EQ(schema().FieldIndex("no_such_field"), -1);
  EXPECT_EQ(schema().FieldIndex(""), -1);
  EXPECT_EQ(schema().FieldIndex("TS"), -1);
}

TEST_P(SchemaInvariantTest, AmountFieldsNameARequiredCurrencyField) {
  for (const FieldSpec& field : schema().fields) {
    if (field.type != FieldType::kAmount) {
      EXPECT_EQ(field.currency_field, -1) << field.name;
      continue;
    }
    ASSERT_GE(field.currency_field, 0) << field.name;
    ASSERT_LT(field.currency_field, schema().field_count()) << field.name;
    const FieldSpec& currency = schema().fields[static_cast<size_t>(field.currency_field)];
    EXPECT_EQ(currency.type, FieldType::kCurrency) << field.name;
    EXPECT_TRUE(currency.required || !field.required) << field.name;
  }
}

TEST_P(SchemaInvariantTest, EnumFieldsHaveUniqueUpperCaseValues) {
  for (const FieldSpec& field : schema().fields) {
    if (field.type != FieldType::kEnum) {
      EXPECT_TRUE(field.values.empty()) << field.name;
      continue;
    }
    ASSERT_FALSE(field.values.empty()) << field.name;
    std::set<std::string_view> seen;
    for (std::string_view value : field.values) {
      EXPECT_TRUE(seen.insert(value).second) << field.name << " repeats " << value;
      ASSERT_FALSE(value.empty()) << field.name;
      for (char c : value) {
        EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') << value;
      }
    }
  }
}

TEST_P(SchemaInvariantTest, BoundedTypesHaveBounds) {
  for (const FieldSpec& field : schema().fields) {
    switch (field.type) {
      case FieldType::kId:
      case FieldType::kText:
        EXPECT_GT(field.max_bytes, 0U) << field.name;
        break;
      case FieldType::kInt:
        EXPECT_LE(field.min, field.max) << field.name;
        break;
      case FieldType::kReal:
        EXPECT_LT(field.real_min, field.real_max) << field.name;
        break;
      default:
        break;
    }
  }
}

TEST(SchemaTest, KindsAreNumberedInOrder) {
  for (size_t i = 0; i < kAllEventKinds.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(kAllEventKinds[i]), i + 1);
  }
}

TEST(SchemaTest, KindFromNameAcceptsSingularAndPlural) {
  EXPECT_EQ(KindFromName("transactions"), EventKind::kTransaction);
  EXPECT_EQ(KindFromName("transaction"), EventKind::kTransaction);
  EXPECT_EQ(KindFromName("labels"), EventKind::kLabel);
  EXPECT_EQ(KindFromName("customer"), EventKind::kCustomer);
  EXPECT_EQ(KindFromName("merchants"), EventKind::kMerchant);
  EXPECT_EQ(KindFromName("loan"), EventKind::kLoan);
  EXPECT_EQ(KindFromName("offers"), EventKind::kOffer);
  EXPECT_EQ(KindFromName("post"), EventKind::kPost);
  for (EventKind kind : kAllEventKinds) {
    EXPECT_EQ(KindFromName(SchemaFor(kind).name), kind);
    EXPECT_EQ(KindFromName(SchemaFor(kind).plural), kind);
  }
}

TEST(SchemaTest, KindFromNameRejectsUnknownNames) {
  for (std::string_view name :
       {"", "tx", "txn", "Transactions", "TRANSACTION", "transactionss", " labels", "labels "}) {
    EXPECT_FALSE(KindFromName(name).has_value()) << "'" << name << "'";
  }
}

TEST(SchemaTest, StorageClassOfEveryType) {
  EXPECT_EQ(StorageOf(FieldType::kId), StorageClass::kString);
  EXPECT_EQ(StorageOf(FieldType::kText), StorageClass::kString);
  EXPECT_EQ(StorageOf(FieldType::kCountry), StorageClass::kString);
  EXPECT_EQ(StorageOf(FieldType::kIp), StorageClass::kString);
  EXPECT_EQ(StorageOf(FieldType::kReal), StorageClass::kReal);
  EXPECT_EQ(StorageOf(FieldType::kTimestamp), StorageClass::kNumber);
  EXPECT_EQ(StorageOf(FieldType::kAmount), StorageClass::kNumber);
  EXPECT_EQ(StorageOf(FieldType::kCurrency), StorageClass::kNumber);
  EXPECT_EQ(StorageOf(FieldType::kEnum), StorageClass::kNumber);
  EXPECT_EQ(StorageOf(FieldType::kInt), StorageClass::kNumber);
  EXPECT_EQ(StorageOf(FieldType::kBool), StorageClass::kNumber);
}

// Every constant of a kind's field namespace names the schema field of that number, and
// together they cover every field.
void ExpectFieldNumbers(EventKind kind,
                        const std::vector<std::pair<int, std::string_view>>& named) {
  const EventSchema& schema = SchemaFor(kind);
  for (const auto& [number, name] : named) {
    EXPECT_EQ(schema.FieldIndex(name), number) << KindName(kind) << "." << name;
  }
  EXPECT_EQ(static_cast<int>(named.size()), schema.field_count()) << KindName(kind);
}

TEST(SchemaFieldNumbersTest, Transaction) {
  ExpectFieldNumbers(EventKind::kTransaction, {{tx::kTxId, "tx_id"},
                                               {tx::kTs, "ts"},
                                               {tx::kCustomerId, "customer_id"},
                                               {tx::kAccountId, "account_id"},
                                               {tx::kCardId, "card_id"},
                                               {tx::kMerchantId, "merchant_id"},
                                               {tx::kDeviceId, "device_id"},
                                               {tx::kIp, "ip"},
                                               {tx::kChannel, "channel"},
                                               {tx::kType, "type"},
                                               {tx::kAmount, "amount"},
                                               {tx::kCurrency, "currency"},
                                               {tx::kMcc, "mcc"},
                                               {tx::kCountry, "country"},
                                               {tx::kCity, "city"},
                                               {tx::kLat, "lat"},
                                               {tx::kLon, "lon"},
                                               {tx::kCounterpartyId, "counterparty_id"}});
}

TEST(SchemaFieldNumbersTest, Label) {
  ExpectFieldNumbers(EventKind::kLabel, {{label::kTxId, "tx_id"},
                                         {label::kTs, "ts"},
                                         {label::kIsFraud, "is_fraud"},
                                         {label::kSource, "source"},
                                         {label::kPattern, "pattern"},
                                         {label::kNote, "note"}});
}

TEST(SchemaFieldNumbersTest, Customer) {
  ExpectFieldNumbers(EventKind::kCustomer, {{customer::kCustomerId, "customer_id"},
                                            {customer::kTs, "ts"},
                                            {customer::kJoinedAt, "joined_at"},
                                            {customer::kBirthYear, "birth_year"},
                                            {customer::kRegion, "region"},
                                            {customer::kCity, "city"},
                                            {customer::kCountry, "country"},
                                            {customer::kHomeLat, "home_lat"},
                                            {customer::kHomeLon, "home_lon"},
                                            {customer::kIncomeBand, "income_band"},
                                            {customer::kOccupation, "occupation"},
                                            {customer::kSegment, "segment"},
                                            {customer::kProducts, "products"},
                                            {customer::kName, "name"},
                                            {customer::kPhone, "phone"},
                                            {customer::kEmail, "email"},
                                            {customer::kNationalId, "national_id"}});
}

TEST(SchemaFieldNumbersTest, Merchant) {
  ExpectFieldNumbers(EventKind::kMerchant, {{merchant::kMerchantId, "merchant_id"},
                                            {merchant::kTs, "ts"},
                                            {merchant::kName, "name"},
                                            {merchant::kMcc, "mcc"},
                                            {merchant::kCountry, "country"},
                                            {merchant::kCity, "city"},
                                            {merchant::kLat, "lat"},
                                            {merchant::kLon, "lon"},
                                            {merchant::kOnline, "online"},
                                            {merchant::kOpenedAt, "opened_at"},
                                            {merchant::kSize, "size"},
                                            {merchant::kRegion, "region"}});
}

TEST(SchemaFieldNumbersTest, Loan) {
  ExpectFieldNumbers(EventKind::kLoan, {{loan::kLoanId, "loan_id"},
                                        {loan::kTs, "ts"},
                                        {loan::kBorrowerType, "borrower_type"},
                                        {loan::kBorrowerId, "borrower_id"},
                                        {loan::kStatus, "status"},
                                        {loan::kPrincipal, "principal"},
                                        {loan::kCurrency, "currency"},
                                        {loan::kTermDays, "term_days"},
                                        {loan::kRateBp, "rate_bp"},
                                        {loan::kIssuedAt, "issued_at"},
                                        {loan::kDueAt, "due_at"},
                                        {loan::kDaysPastDue, "days_past_due"},
                                        {loan::kProduct, "product"}});
}

TEST(SchemaFieldNumbersTest, Offer) {
  ExpectFieldNumbers(EventKind::kOffer, {{offer::kOfferId, "offer_id"},
                                         {offer::kTs, "ts"},
                                         {offer::kCustomerId, "customer_id"},
                                         {offer::kProduct, "product"},
                                         {offer::kChannel, "channel"},
                                         {offer::kCampaignId, "campaign_id"},
                                         {offer::kResponse, "response"},
                                         {offer::kRespondedAt, "responded_at"}});
}

TEST(SchemaFieldNumbersTest, Post) {
  ExpectFieldNumbers(EventKind::kPost, {{post::kPostId, "post_id"},
                                        {post::kTs, "ts"},
                                        {post::kSource, "source"},
                                        {post::kAuthorId, "author_id"},
                                        {post::kLang, "lang"},
                                        {post::kTitle, "title"},
                                        {post::kText, "text"},
                                        {post::kUrl, "url"},
                                        {post::kSentiment, "sentiment"},
                                        {post::kMentions, "mentions"}});
}

TEST(SchemaFieldNumbersTest, AmountsPointAtTheirOwnCurrencyConstant) {
  EXPECT_EQ(SchemaFor(EventKind::kTransaction).fields[tx::kAmount].currency_field, tx::kCurrency);
  EXPECT_EQ(SchemaFor(EventKind::kLoan).fields[loan::kPrincipal].currency_field, loan::kCurrency);
}

TEST(SchemaEnumTest, TransactionChannelConstantsMatchTheSchema) {
  const FieldSpec& channel = SchemaFor(EventKind::kTransaction).fields[tx::kChannel];
  EXPECT_EQ(EnumIndex(channel, "POS"), tx_channel::kPos);
  EXPECT_EQ(EnumIndex(channel, "ATM"), tx_channel::kAtm);
  EXPECT_EQ(EnumIndex(channel, "COUNTER"), tx_channel::kCounter);
  EXPECT_EQ(EnumIndex(channel, "ONLINE"), tx_channel::kOnline);
  EXPECT_EQ(EnumIndex(channel, "MOBILE"), tx_channel::kMobile);
  EXPECT_EQ(EnumIndex(channel, "TRANSFER"), tx_channel::kTransfer);
  EXPECT_EQ(channel.values.size(), 6U);
}

TEST(SchemaEnumTest, TransactionTypeConstantsMatchTheSchema) {
  const FieldSpec& type = SchemaFor(EventKind::kTransaction).fields[tx::kType];
  EXPECT_EQ(EnumIndex(type, "PURCHASE"), tx_type::kPurchase);
  EXPECT_EQ(EnumIndex(type, "WITHDRAWAL"), tx_type::kWithdrawal);
  EXPECT_EQ(EnumIndex(type, "TRANSFER"), tx_type::kTransfer);
  EXPECT_EQ(EnumIndex(type, "REFUND"), tx_type::kRefund);
  EXPECT_EQ(EnumIndex(type, "PAYMENT"), tx_type::kPayment);
  EXPECT_EQ(EnumIndex(type, "DEPOSIT"), tx_type::kDeposit);
  EXPECT_EQ(type.values.size(), 6U);
}

TEST(SchemaEnumTest, EnumIndexRejectsUnknownAndLowerCaseValues) {
  const FieldSpec& channel = SchemaFor(EventKind::kTransaction).fields[tx::kChannel];
  EXPECT_EQ(EnumIndex(channel, "pos"), -1);
  EXPECT_EQ(EnumIndex(channel, "TELEPATHY"), -1);
  EXPECT_EQ(EnumIndex(channel, ""), -1);
  const FieldSpec& not_enum = SchemaFor(EventKind::kTransaction).fields[tx::kTxId];
  EXPECT_EQ(EnumIndex(not_enum, "POS"), -1);
}

}  // namespace
}  // namespace panorama
