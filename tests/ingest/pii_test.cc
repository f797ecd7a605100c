#include "ingest/pii.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "ingest/record_reader.h"
#include "ingest_test_util.h"

namespace panorama {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(PANORAMA_BINARY_DIR) + "/pii_test_" + std::to_string(::getpid()) + "_" + name;
}

PiiTokenizer FixedTokenizer(unsigned char fill) {
  std::array<unsigned char, PiiTokenizer::kKeyBytes> key{};
  key.fill(fill);
  return PiiTokenizer::FromKey(key);
}

TEST(PiiTokenizerTest, TokensAreDeterministicPrefixedAndKeyed) {
  PiiTokenizer a = FixedTokenizer(1);
  PiiTokenizer b = FixedTokenizer(2);
  std::string t1, t2, t3, t4;
  a.Tokenize("alice@example.com", &t1);
  a.Tokenize("alice@example.com", &t2);
  a.Tokenize("bob@example.com", &t3);
  b.Tokenize("alice@example.com", &t4);
  EXPECT_EQ(t1, t2);
  EXPECT_NE(t1, t3);
  EXPECT_NE(t1, t4);
  EXPECT_EQ(t1.size(), PiiTokenizer::kTokenLength);
  EXPECT_EQ(t1.rfind("pii_", 0), 0u);
  EXPECT_EQ(t1.find("alice"), std::string::npos);
}

TEST(PiiTokenizerTest, LoadOrCreateMakesAPrivateKeyAndReloadsIt) {
  std::string path = TempPath("key");
  std::remove(path.c_str());
  auto created = PiiTokenizer::LoadOrCreate(path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto reloaded = PiiTokenizer::LoadOrCreate(path);
  ASSERT_TRUE(reloaded.ok());
  std::string t1, t2;
  created->Tokenize("+49 30 1234567", &t1);
  reloaded->Tokenize("+49 30 1234567", &t2);
  EXPECT_EQ(t1, t2);
  std::remove(path.c_str());
}

TEST(PiiTokenizerTest, KeyFileOfTheWrongSizeIsRejected) {
  std::string path = TempPath("short_key");
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("too short", f);
  std::fclose(f);
  auto tokenizer = PiiTokenizer::LoadOrCreate(path);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_NE(tokenizer.status().message().find("expected 32"), std::string::npos);
  std::remove(path.c_str());
}

TEST(PiiTokenizerTest, PersonalFieldsAreStoredOnlyAsTokens) {
  PiiTokenizer tokenizer = FixedTokenizer(7);
  ReaderOptions options;
  options.kind = EventKind::kCustomer;
  options.tokenizer = &tokenizer;
  testing::ReadResult result = testing::ReadBuffer(
      "customer_id,ts,name,phone,email,national_id,city\n"
      "C1,2024-01-01T00:00:00Z,Alice Smith,+1 555 0100,alice@example.com,123-45-6789,Boston\n"
      "C2,2024-01-01T00:00:00Z,Bob Jones,,alice@example.com,,Boston\n",
      options);
  ASSERT_EQ(result.rejects.size(), 0u) << result.rejects[0].reason;
  ASSERT_EQ(result.events.size(), 2u);
  const Event& alice = result.events[0];
  std::string expected;
  tokenizer.Tokenize("Alice Smith", &expected);
  EXPECT_EQ(alice.str(customer::kName), expected);
  tokenizer.Tokenize("123-45-6789", &expected);
  EXPECT_EQ(alice.str(customer::kNationalId), expected);
  EXPECT_EQ(alice.str(customer::kCity), "Boston");  // not personal data
  for (const char* raw : {"Alice", "555", "alice@", "6789"}) {
    EXPECT_EQ(alice.DebugString().find(raw), std::string::npos) << raw;
  }
  // The same e-mail gives the same token, so the two customers can still be linked.
  EXPECT_EQ(alice.str(customer::kEmail), result.events[1].str(customer::kEmail));
  EXPECT_FALSE(result.events[1].has(customer::kPhone));
}

TEST(PiiTokenizerTest, PersonalFieldsInJsonLinesAreTokenizedToo) {
  PiiTokenizer tokenizer = FixedTokenizer(9);
  ReaderOptions options;
  options.kind = EventKind::kCustomer;
  options.tokenizer = &tokenizer;
  testing::ReadResult result = testing::ReadBuffer(
      R"({"customer_id":"C1","ts":"2024-01-01T00:00:00Z","phone":"+86 138 0000 0000"})"
      "\n",
      options, "c.jsonl");
  ASSERT_EQ(result.events.size(), 1u);
  std::string expected;
  tokenizer.Tokenize("+86 138 0000 0000", &expected);
  EXPECT_EQ(result.events[0].str(customer::kPhone), expected);
}

}  // namespace
}  // namespace panorama
