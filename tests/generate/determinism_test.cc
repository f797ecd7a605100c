// Determinism of `panorama generate`: the same options give the same bytes in every file and
// in manifest.json, in both formats, from the library and from the CLI; another seed gives
// another world; CSV and JSON Lines carry the same records.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "generate/world_data.h"
#include "ingest/pii.h"
#include "ingest/record_reader.h"
#include "support/process.h"

namespace panorama::gentest {
namespace {

using generate::OutputFormat;
using generate::WorldOptions;

WorldOptions SmallWorld(OutputFormat format, uint64_t seed = 11) {
  WorldOptions options;
  options.customers = 400;
  options.merchants = 60;
  options.days = 45;
  options.seed = seed;
  options.fraud_rate = 0.004;
  options.aml_rate = 0.02;
  options.loan_rate = 5;
  options.format = format;
  return options;
}

std::set<std::string> FileNames(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// Asserts that two output directories hold the same file names with the same bytes.
void ExpectSameFiles(const std::string& a, const std::string& b) {
  const auto names = FileNames(a);
  EXPECT_EQ(names, FileNames(b));
  EXPECT_TRUE(names.count("manifest.json")) << a;
  for (const auto& name : names) {
    const std::string bytes_a = ReadWholeFile(a + "/" + name);
    const std::string bytes_b = ReadWholeFile(b + "/" + name);
    EXPECT_FALSE(bytes_a.empty()) << name;
    EXPECT_TRUE(bytes_a == bytes_b) << name << " differs between " << a << " and " << b << " ("
                                    << bytes_a.size() << " vs " << bytes_b.size() << " bytes)";
  }
}

class DeterminismTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { root_ = MakeTempDir("gen-determinism"); }
  static void TearDownTestSuite() { RemoveDir(root_); }

  static generate::WorldSummary Generate(const WorldOptions& options, const std::string& name) {
    auto summary = generate::GenerateWorld(options, root_ + "/" + name);
    EXPECT_TRUE(summary.ok()) << summary.status().ToString();
    return summary.ok() ? *summary : generate::WorldSummary{};
  }

  static std::string root_;
};
std::string DeterminismTest::root_;

TEST_F(DeterminismTest, SameOptionsGiveSameBytesCsv) {
  auto first = Generate(SmallWorld(OutputFormat::kCsv), "csv-a");
  auto second = Generate(SmallWorld(OutputFormat::kCsv), "csv-b");
  ASSERT_GT(first.transactions, 1000u);
  EXPECT_EQ(first.transactions, second.transactions);
  ExpectSameFiles(root_ + "/csv-a", root_ + "/csv-b");
}

TEST_F(DeterminismTest, SameOptionsGiveSameBytesJsonl) {
  auto first = Generate(SmallWorld(OutputFormat::kJsonl), "jsonl-a");
  auto second = Generate(SmallWorld(OutputFormat::kJsonl), "jsonl-b");
  ASSERT_GT(first.transactions, 1000u);
  ExpectSameFiles(root_ + "/jsonl-a", root_ + "/jsonl-b");
  for (const auto& file : first.files) {
    EXPECT_TRUE(file.file.ends_with(".jsonl")) << file.file;
  }
}

TEST_F(DeterminismTest, RegeneratingIntoTheSameDirectoryReplacesFiles) {
  Generate(SmallWorld(OutputFormat::kCsv), "csv-again");
  // A second run into the same directory must replace, not append to, the files.
  Generate(SmallWorld(OutputFormat::kCsv), "csv-again");
  Generate(SmallWorld(OutputFormat::kCsv), "csv-ref");
  ExpectSameFiles(root_ + "/csv-again", root_ + "/csv-ref");
}

TEST_F(DeterminismTest, AnotherSeedGivesAnotherWorld) {
  auto base = Generate(SmallWorld(OutputFormat::kCsv, 11), "seed-11");
  auto other = Generate(SmallWorld(OutputFormat::kCsv, 12), "seed-12");
  ASSERT_FALSE(base.files.empty());
  ASSERT_FALSE(other.files.empty());
  const std::string a = ReadWholeFile(root_ + "/seed-11/" + base.files[0].file);
  const std::string b = ReadWholeFile(root_ + "/seed-12/" + other.files[0].file);
  ASSERT_EQ(base.files[0].kind, "transactions");
  EXPECT_NE(a, b);
  // Not a shifted copy either: most transaction lines differ.
  std::set<std::string> lines_a;
  size_t start = 0;
  while (start < a.size()) {
    size_t end = a.find('\n', start);
    if (end == std::string::npos) end = a.size();
    lines_a.insert(a.substr(start, end - start));
    start = end + 1;
  }
  size_t shared = 0, total = 0;
  start = b.find('\n') + 1;  // skip the header
  while (start < b.size()) {
    size_t end = b.find('\n', start);
    if (end == std::string::npos) end = b.size();
    ++total;
    shared += lines_a.count(b.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_GT(total, 1000u);
  EXPECT_LT(static_cast<double>(shared), 0.01 * static_cast<double>(total))
      << shared << " of " << total << " transaction lines are shared between seeds 11 and 12";
  // The customers differ too (the population is drawn from the seed).
  EXPECT_NE(ReadWholeFile(root_ + "/seed-11/" + base.files[2].file),
            ReadWholeFile(root_ + "/seed-12/" + other.files[2].file));
}

// The two formats are two spellings of one world: read back, every record is equal.
TEST_F(DeterminismTest, CsvAndJsonlHoldTheSameRecords) {
  auto csv = Generate(SmallWorld(OutputFormat::kCsv), "same-csv");
  auto jsonl = Generate(SmallWorld(OutputFormat::kJsonl), "same-jsonl");
  ASSERT_EQ(csv.files.size(), jsonl.files.size());
  static const std::array<unsigned char, PiiTokenizer::kKeyBytes> kKey = {9};
  const PiiTokenizer tokenizer = PiiTokenizer::FromKey(kKey);
  for (size_t i = 0; i < csv.files.size(); ++i) {
    SCOPED_TRACE(csv.files[i].kind);
    EXPECT_EQ(csv.files[i].kind, jsonl.files[i].kind);
    EXPECT_EQ(csv.files[i].records, jsonl.files[i].records);
    auto kind = KindFromName(csv.files[i].kind);
    ASSERT_TRUE(kind.has_value());
    ReaderOptions options;
    options.kind = *kind;
    options.tokenizer = &tokenizer;
    auto a = RecordReader::Open(root_ + "/same-csv/" + csv.files[i].file, options);
    auto b = RecordReader::Open(root_ + "/same-jsonl/" + jsonl.files[i].file, options);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    Event ea, eb;
    Reject ra, rb;
    uint64_t records = 0, different = 0;
    while (true) {
      auto oa = (*a)->Next(&ea, &ra);
      auto ob = (*b)->Next(&eb, &rb);
      ASSERT_EQ(oa, ob) << "record " << records;
      if (oa == RecordReader::Outcome::kEnd) break;
      ASSERT_EQ(oa, RecordReader::Outcome::kEvent) << ra.reason << " / " << rb.reason;
      ++records;
      if (!(ea == eb)) {
        if (different++ < 3) {
          ADD_FAILURE() << "record " << records << "\n csv:   " << ea.DebugString()
                        << "\n jsonl: " << eb.DebugString();
        }
      }
    }
    EXPECT_EQ(different, 0u);
    EXPECT_EQ(records, csv.files[i].records);
  }
}

// The CLI is a thin front of GenerateWorld: the same options give the same bytes.
TEST_F(DeterminismTest, CliWritesTheSameBytesAsTheLibrary) {
  auto options = SmallWorld(OutputFormat::kJsonl);
  options.start = 1'790'812'800LL * kMicrosPerSecond;  // 2026-10-01T00:00:00Z
  Generate(options, "lib");
  const std::string out = root_ + "/cli";
  auto run = testing::RunPanorama(
      {"generate", "--out",      out,       "--customers", "400",    "--merchants", "60",
       "--days",   "45",         "--start", "2026-10-01",  "--seed", "11",          "--fraud-rate",
       "0.004",    "--aml-rate", "0.02",    "--loan-rate", "5",      "--format",    "jsonl"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectSameFiles(root_ + "/lib", out);
}

TEST_F(DeterminismTest, CliRejectsBadOptions) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"generate", "--out", root_ + "/bad", "--customers", "5"},
        std::vector<std::string>{"generate", "--out", root_ + "/bad", "--days", "0"},
        std::vector<std::string>{"generate", "--out", root_ + "/bad", "--fraud-rate", "0.5"},
        std::vector<std::string>{"generate", "--out", root_ + "/bad", "--format", "xml"},
        std::vector<std::string>{"generate", "--out", root_ + "/bad", "--start", "2026-13-01"}}) {
    auto run = testing::RunPanorama(args);
    EXPECT_NE(run.exit_code, 0) << args[3] << " " << args[4];
    EXPECT_FALSE(run.err.empty()) << args[3] << " " << args[4];
  }
}

}  // namespace
}  // namespace panorama::gentest
