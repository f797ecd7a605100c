// Replays the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/), so that inputs
// which once crashed a parser stay fixed in every build, with any compiler.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz_targets.h"

namespace panorama::fuzz {
namespace {

size_t Replay(const std::string& target, int (*fn)(const uint8_t*, size_t)) {
  std::filesystem::path dir =
      std::filesystem::path(PANORAMA_SOURCE_DIR) / "tests/fuzz/corpus" / target;
  size_t inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string data = buffer.str();
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(fn(reinterpret_cast<const uint8_t*>(data.data()), data.size()), 0);
    ++inputs;
  }
  return inputs;
}

TEST(FuzzCorpusTest, CsvReaderSeeds) { EXPECT_GT(Replay("csv_reader_fuzz", CsvReaderFuzz), 0u); }

TEST(FuzzCorpusTest, JsonLinesReaderSeeds) {
  EXPECT_GT(Replay("jsonl_reader_fuzz", JsonLinesReaderFuzz), 0u);
}

TEST(FuzzCorpusTest, MappingSeeds) { EXPECT_GT(Replay("mapping_fuzz", MappingFuzz), 0u); }

TEST(FuzzCorpusTest, FeatureSpecSeeds) {
  EXPECT_GT(Replay("feature_spec_fuzz", FeatureSpecFuzz), 0u);
}

TEST(FuzzCorpusTest, RulesSeeds) { EXPECT_GT(Replay("rules_fuzz", RulesFuzz), 0u); }

TEST(FuzzCorpusTest, EmptyInputs) {
  EXPECT_EQ(CsvReaderFuzz(nullptr, 0), 0);
  EXPECT_EQ(JsonLinesReaderFuzz(nullptr, 0), 0);
  EXPECT_EQ(MappingFuzz(nullptr, 0), 0);
  EXPECT_EQ(FeatureSpecFuzz(nullptr, 0), 0);
  EXPECT_EQ(RulesFuzz(nullptr, 0), 0);
}

}  // namespace
}  // namespace panorama::fuzz
