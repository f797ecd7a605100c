// ListStore (decide/lists.h): durable named lists, validation by type, snapshots for rule sets.
#include "decide/lists.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/process.h"

namespace panorama::decide {
namespace {

class ListStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("lists"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/lists.db"; }
  std::string dir_;
};

ListInfo Info(std::string name, ListKind kind, ListType type) {
  ListInfo info;
  info.name = std::move(name);
  info.kind = kind;
  info.type = type;
  return info;
}

TEST_F(ListStoreTest, AddRemoveAreIdempotentAndDurable) {
  {
    auto store = ListStore::Open(path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Create(Info("blocked_cards", ListKind::kDeny, ListType::kCard)).ok());
    std::vector<std::string> values = {"K2", "K1", "K3"};
    uint64_t changed = 0;
    ASSERT_TRUE((*store)->Add("blocked_cards", values, &changed).ok());
    EXPECT_EQ(changed, 3U);
    ASSERT_TRUE((*store)->Add("blocked_cards", values, &changed).ok());
    EXPECT_EQ(changed, 0U);
    std::vector<std::string> gone = {"K3", "K9"};
    ASSERT_TRUE((*store)->Remove("blocked_cards", gone, &changed).ok());
    EXPECT_EQ(changed, 1U);
  }
  auto store = ListStore::Open(path());
  ASSERT_TRUE(store.ok());
  auto values = (*store)->Values("blocked_cards");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"K1", "K2"}));
  auto page = (*store)->Values("blocked_cards", "K1", 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(*page, (std::vector<std::string>{"K2"}));
  auto lists = (*store)->Lists();
  ASSERT_TRUE(lists.ok());
  ASSERT_EQ(lists->size(), 1U);
  EXPECT_EQ((*lists)[0].name, "blocked_cards");
  EXPECT_EQ((*lists)[0].size, 2U);
  EXPECT_EQ((*lists)[0].kind, ListKind::kDeny);
  EXPECT_EQ((*lists)[0].type, ListType::kCard);
  EXPECT_GT((*lists)[0].updated_at, 0);
}

TEST_F(ListStoreTest, BadValuesRejectWholeCall) {
  auto store = ListStore::Open(path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Create(Info("bad_ips", ListKind::kDeny, ListType::kIp)).ok());
  ASSERT_TRUE((*store)->Create(Info("risky", ListKind::kDeny, ListType::kCountry)).ok());
  ASSERT_TRUE((*store)->Create(Info("vip", ListKind::kAllow, ListType::kCustomer)).ok());
  std::vector<std::string> ips = {"10.0.0.1", "2001:db8::1", "300.1.1.1"};
  Status status = (*store)->Add("bad_ips", ips);
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("300.1.1.1"), std::string::npos) << status.ToString();
  EXPECT_TRUE((*store)->Values("bad_ips")->empty());
  std::vector<std::string> countries = {"CN", "cn"};
  EXPECT_FALSE((*store)->Add("risky", countries).ok());
  std::vector<std::string> ids = {"C 1"};
  EXPECT_FALSE((*store)->Add("vip", ids).ok());
  std::vector<std::string> long_id = {std::string(129, 'x')};
  EXPECT_FALSE((*store)->Add("vip", long_id).ok());
  std::vector<std::string> empty = {""};
  EXPECT_FALSE((*store)->Add("vip", empty).ok());
  std::vector<std::string> ok = {"C1"};
  EXPECT_EQ((*store)->Add("nope", ok).code(), StatusCode::kNotFound);
}

TEST_F(ListStoreTest, ChangeAddsAndRemovesAtomically) {
  auto store = ListStore::Open(path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Create(Info("ips", ListKind::kDeny, ListType::kIp)).ok());
  ASSERT_TRUE((*store)->Add("ips", std::vector<std::string>{"10.0.0.1", "10.0.0.2"}).ok());
  // A bad value to remove leaves the additions undone too.
  std::vector<std::string> add = {"10.0.0.3"};
  std::vector<std::string> bad = {"10.0.0.1", "not-an-ip"};
  EXPECT_EQ((*store)->Change("ips", add, bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*(*store)->Values("ips"), (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  uint64_t added = 0, removed = 0;
  std::vector<std::string> remove = {"10.0.0.1", "10.0.0.9"};
  ASSERT_TRUE((*store)->Change("ips", add, remove, &added, &removed).ok());
  EXPECT_EQ(added, 1U);
  EXPECT_EQ(removed, 1U);
  EXPECT_EQ(*(*store)->Values("ips"), (std::vector<std::string>{"10.0.0.2", "10.0.0.3"}));
}

TEST_F(ListStoreTest, CreateChecksNameKindAndType) {
  auto store = ListStore::Open(path());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->Create(Info("Bad-Name", ListKind::kDeny, ListType::kCard)).ok());
  EXPECT_FALSE((*store)->Create(Info("", ListKind::kDeny, ListType::kCard)).ok());
  ASSERT_TRUE((*store)->Create(Info("cards", ListKind::kDeny, ListType::kCard)).ok());
  EXPECT_TRUE((*store)->Create(Info("cards", ListKind::kDeny, ListType::kCard)).ok());
  EXPECT_EQ((*store)->Create(Info("cards", ListKind::kAllow, ListType::kCard)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store)->Create(Info("cards", ListKind::kDeny, ListType::kDevice)).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*store)->Drop("cards").ok());
  EXPECT_EQ((*store)->Drop("cards").code(), StatusCode::kNotFound);
  EXPECT_TRUE((*store)->Lists()->empty());
}

TEST_F(ListStoreTest, GenerationSeesChangesOfOtherConnections) {
  auto server = ListStore::Open(path());
  auto cli = ListStore::Open(path());
  ASSERT_TRUE(server.ok() && cli.ok());
  ASSERT_TRUE((*server)->Create(Info("vip", ListKind::kAllow, ListType::kCustomer)).ok());
  auto before = (*server)->Generation();
  ASSERT_TRUE(before.ok());
  std::vector<std::string> values = {"C1"};
  ASSERT_TRUE((*cli)->Add("vip", values).ok());
  auto after = (*server)->Generation();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(*before, *after);
  ASSERT_TRUE((*server)->Add("vip", std::vector<std::string>{"C2"}).ok());
  EXPECT_NE(*(*server)->Generation(), *after);
}

TEST_F(ListStoreTest, SnapshotFollowsTheRuleSetsDeclarations) {
  auto rules = ParseRuleSet(R"(name: r
version: "1"
lists:
  - {name: vip, kind: allow, type: customer}
  - {name: blocked_devices, kind: deny, type: device}
rules:
  - id: blocked
    when: device_id in @blocked_devices and not customer_id in @vip
    action: {force: decline}
)",
                            "r.yaml", nullptr);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  auto store = ListStore::Open(path());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->Snapshot(**rules).ok());  // not created yet
  ASSERT_TRUE((*store)->EnsureDeclared(**rules).ok());
  ASSERT_TRUE((*store)->Add("blocked_devices", std::vector<std::string>{"D1", "D2"}).ok());
  ASSERT_TRUE((*store)->Add("vip", std::vector<std::string>{"C7"}).ok());
  auto snapshot = (*store)->Snapshot(**rules);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  ASSERT_EQ((*snapshot)->size(), 2U);
  EXPECT_TRUE((*snapshot)->Contains(0, "C7"));
  EXPECT_FALSE((*snapshot)->Contains(0, "D1"));
  EXPECT_TRUE((*snapshot)->Contains(1, "D2"));
  EXPECT_EQ((*snapshot)->count(1), 2U);
  // A list of the same name but another type conflicts with the declaration.
  ASSERT_TRUE((*store)->Drop("vip").ok());
  ASSERT_TRUE((*store)->Create(Info("vip", ListKind::kAllow, ListType::kCard)).ok());
  EXPECT_EQ((*store)->EnsureDeclared(**rules).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE((*store)->Snapshot(**rules).ok());
}

TEST(ListValue, ValidationByType) {
  EXPECT_TRUE(ValidateListValue(ListType::kIp, "192.168.0.1").ok());
  EXPECT_TRUE(ValidateListValue(ListType::kIp, "::1").ok());
  EXPECT_FALSE(ValidateListValue(ListType::kIp, "192.168.0").ok());
  EXPECT_FALSE(ValidateListValue(ListType::kIp, std::string(100, '1')).ok());
  EXPECT_TRUE(ValidateListValue(ListType::kCountry, "US").ok());
  EXPECT_FALSE(ValidateListValue(ListType::kCountry, "USA").ok());
  EXPECT_TRUE(ValidateListValue(ListType::kDevice, "dev-1").ok());
  EXPECT_FALSE(ValidateListValue(ListType::kDevice, "dev\t1").ok());
}

}  // namespace
}  // namespace panorama::decide
