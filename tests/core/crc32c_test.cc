#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

namespace panorama {
namespace {

TEST(Crc32cTest, StandardCheckValue) { EXPECT_EQ(Crc32c("123456789"), 0xE3069283U); }

// The test vectors of RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32cTest, Rfc3720ZeroBytes) { EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAU); }

TEST(Crc32cTest, Rfc3720OneBytes) { EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43U); }

TEST(Crc32cTest, Rfc3720AscendingBytes) {
  std::string data;
  for (int i = 0; i < 32; ++i) data.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(data), 0x46DD794EU);
}

TEST(Crc32cTest, EmptyInputIsZero) {
  EXPECT_EQ(Crc32c(std::string_view()), 0U);
  EXPECT_EQ(Crc32c(nullptr, 0), 0U);
}

TEST(Crc32cTest, EmptyInputLeavesARunningCrcUnchanged) {
  uint32_t crc = Crc32c("123456789");
  EXPECT_EQ(Crc32c(std::string_view(), crc), crc);
}

TEST(Crc32cTest, ChainingEqualsOneShotAtEverySplit) {
  std::mt19937 rng(20240301);
  std::string data(600, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  uint32_t whole = Crc32c(data);
  std::string_view view(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t first = Crc32c(view.substr(0, split));
    EXPECT_EQ(Crc32c(view.substr(split), first), whole) << "split at " << split;
  }
}

TEST(Crc32cTest, ChainingManySmallPiecesEqualsOneShot) {
  std::mt19937 rng(7);
  std::string data(1 << 16, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  uint32_t crc = 0;
  std::string_view rest(data);
  while (!rest.empty()) {
    size_t n = std::min<size_t>(rest.size(), rng() % 97);
    crc = Crc32c(rest.substr(0, n), crc);
    rest.remove_prefix(n);
  }
  EXPECT_EQ(crc, Crc32c(data));
}

TEST(Crc32cTest, PointerAndViewOverloadsAgreeOnUnalignedData) {
  std::string data = "xx" + std::string(1000, 'q') + "tail";
  for (size_t offset = 0; offset < 8; ++offset) {
    EXPECT_EQ(Crc32c(data.data() + offset, data.size() - offset),
              Crc32c(std::string_view(data).substr(offset)));
  }
}

TEST(Crc32cTest, DetectsASingleBitFlip) {
  std::string data(256, 'a');
  uint32_t crc = Crc32c(data);
  for (size_t bit = 0; bit < data.size() * 8; bit += 13) {
    std::string flipped = data;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(Crc32c(flipped), crc) << "bit " << bit;
  }
}

}  // namespace
}  // namespace panorama
