#include "core/json_string.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>

namespace panorama {
namespace {

std::string Json(std::string_view text) {
  std::string out = "prefix:";
  AppendJsonString(text, &out);
  return out.substr(7);
}

TEST(JsonStringTest, PlainTextIsQuoted) {
  EXPECT_EQ(Json(""), R"("")");
  EXPECT_EQ(Json("card-not-present"), R"("card-not-present")");
}

TEST(JsonStringTest, AppendsToWhatIsThere) {
  std::string out = "[";
  AppendJsonString("a", &out);
  out.push_back(',');
  AppendJsonString("b", &out);
  EXPECT_EQ(out, R"(["a","b")");
}

TEST(JsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Json("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(Json("C:\\tmp"), R"("C:\\tmp")");
  EXPECT_EQ(Json("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(Json(std::string_view("\0\x01\x1f\b\f", 5)), R"("\u0000\u0001\u001f\u0008\u000c")");
  EXPECT_EQ(Json("\x7f"), "\"\x7f\"");  // DEL needs no escape in JSON
}

TEST(JsonStringTest, KeepsValidUtf8) {
  EXPECT_EQ(Json("S\xC3\xA3o Paulo"), "\"S\xC3\xA3o Paulo\"");  // 2 bytes
  EXPECT_EQ(Json("\xE2\x82\xAC 5"), "\"\xE2\x82\xAC 5\"");      // 3 bytes: euro sign
  EXPECT_EQ(Json("\xF0\x9F\x92\xB3"), "\"\xF0\x9F\x92\xB3\"");  // 4 bytes: credit card
  EXPECT_EQ(Json("\xF4\x8F\xBF\xBF"), "\"\xF4\x8F\xBF\xBF\"");  // U+10FFFF
}

TEST(JsonStringTest, ReplacesInvalidUtf8ByteByByte) {
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Json("a\xFF"
                 "b"),
            "\"a" + kFffd + "b\"");                                      // never a lead byte
  EXPECT_EQ(Json("\x80"), "\"" + kFffd + "\"");                          // lone continuation
  EXPECT_EQ(Json("\xC3"), "\"" + kFffd + "\"");                          // cut short at the end
  EXPECT_EQ(Json("\xC3(x"), "\"" + kFffd + "(x\"");                      // bad continuation
  EXPECT_EQ(Json("\xC0\xAF"), "\"" + kFffd + kFffd + "\"");              // overlong '/'
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"" + kFffd + kFffd + kFffd + "\"");  // a surrogate
  EXPECT_EQ(Json("\xF4\x90\x80\x80"), "\"" + kFffd + kFffd + kFffd + kFffd + "\"");  // > U+10FFFF
}

// Whatever the bytes, the output is one valid JSON string; when the input is valid UTF-8 it
// reads back as the input itself.
TEST(JsonStringTest, AnyBytesGiveValidJsonThatReadsBack) {
  std::mt19937_64 rng(20261204);
  const std::string_view alphabet[] = {"a",
                                       "\"",
                                       "\\",
                                       "\n",
                                       std::string_view("\0", 1),
                                       "\x1f",
                                       "\xC3\xA9",
                                       "\xE2\x82\xAC",
                                       "\xF0\x9F\x92\xB3",
                                       "\xFF",
                                       "\x80",
                                       "\xC3",
                                       "\xED\xA0\x80"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    bool valid = true;
    const size_t parts = rng() % 12;
    for (size_t i = 0; i < parts; ++i) {
      const size_t pick = rng() % std::size(alphabet);
      valid = valid && pick < 9;
      text.append(alphabet[pick]);
    }
    const std::string json = Json(text);
    const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_string()) << json;
    if (valid) {
      EXPECT_EQ(parsed.get<std::string>(), text);
    }
  }
}

}  // namespace
}  // namespace panorama
