// End-to-end tests of the `panorama` command, run as a user would run it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/event.h"
#include "core/event_codec.h"
#include "log/transaction_log.h"
#include "support/process.h"

namespace panorama {
namespace {

using testing::ReadFile;
using testing::RunPanorama;
using testing::WriteFile;

constexpr char kHeader[] =
    "tx_id,ts,customer_id,account_id,card_id,merchant_id,device_id,ip,channel,type,amount,"
    "currency,mcc,country,city,lat,lon,counterparty_id\n";

std::string GoodRow(int i, const char* channel = "POS") {
  return "T" + std::to_string(i) + ",2026-09-0" + std::to_string(1 + i % 9) +
         "T10:00:00Z,C1,A1,K1,M1,,," + channel + ",PURCHASE,12.34,USD,5411,US,Boston,,,\n";
}

// The last line of `out`, parsed as JSON.
nlohmann::json LastJson(const std::string& out) {
  auto end = out.find_last_not_of('\n');
  auto begin = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(begin == std::string::npos ? 0 : begin + 1));
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("panorama-cli");
    data_ = dir_ + "/data";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    WriteFile(path, content);
    return path;
  }

  std::string SegmentPath() {
    for (const auto& entry : std::filesystem::directory_iterator(data_ + "/log")) {
      if (entry.path().extension() == ".seg") return entry.path();
    }
    return "";
  }

  std::string dir_;
  std::string data_;
};

TEST_F(CliTest, IngestCountsAcceptedRejectedAndWritesReasons) {
  std::string csv = std::string(kHeader) + GoodRow(1) + GoodRow(2) +
                    "T3,2026-09-01T10:00:00Z,C1,A1,K1,M1,,,POS,PURCHASE,1.234,USD,,,,,,\n" +
                    GoodRow(4) +
                    "T5,2026-09-01T10:00:00Z,C1,A1,K1,M1,,,KIOSK,PURCHASE,1.00,USD,,,,,,\n";
  std::string file = Write("tx.csv", csv);
  auto run =
      RunPanorama({"ingest", "--data", data_, "--rejects", dir_ + "/rejects.csv", "--json", file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto summary = LastJson(run.out);
  EXPECT_EQ(summary["accepted"], 3);
  EXPECT_EQ(summary["duplicates"], 0);
  EXPECT_EQ(summary["rejected"], 2);

  auto permissions = std::filesystem::status(dir_ + "/rejects.csv").permissions();
  EXPECT_EQ(permissions & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string rejects = ReadFile(dir_ + "/rejects.csv");
  EXPECT_NE(rejects.find("source_file,line,field,reason,record"), std::string::npos);
  EXPECT_NE(rejects.find(file + ",4,amount,"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("decimal places"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find(file + ",6,channel,"), std::string::npos) << rejects;
}

TEST_F(CliTest, ReloadingAFileStoresNothingTwice) {
  std::string file = Write("tx.csv", std::string(kHeader) + GoodRow(1) + GoodRow(2) + GoodRow(1));
  auto first = RunPanorama({"ingest", "--data", data_, "--json", file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(LastJson(first.out)["accepted"], 2);
  EXPECT_EQ(LastJson(first.out)["duplicates"], 1);
  auto second = RunPanorama({"ingest", "--data", data_, "--json", file});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(LastJson(second.out)["accepted"], 0);
  EXPECT_EQ(LastJson(second.out)["duplicates"], 3);
  auto stats = RunPanorama({"stats", "--data", data_, "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(LastJson(stats.out)["events"]["transaction"], 2);
}

TEST_F(CliTest, LoadsJsonLinesAndEveryKindIntoOneDirectory) {
  std::string tx =
      Write("tx.jsonl", R"({"tx_id":"J1","ts":"2026-09-01T10:00:00+08:00","customer_id":"C1",)"
                        R"("channel":"ONLINE","type":"PURCHASE","amount":99.5,"currency":"CNY"})"
                        "\n");
  std::string labels = Write("labels.csv",
                             "tx_id,ts,is_fraud,source,pattern\n"
                             "J1,2026-09-10T00:00:00Z,true,CHARGEBACK,ato\n");
  std::string customers =
      Write("customers.csv",
            "customer_id,ts,name,email\nC1,2026-09-01T00:00:00Z,Ada Lovelace,ada@example.com\n");
  for (auto [kind, file] : {std::pair{"transactions", tx}, std::pair{"labels", labels},
                            std::pair{"customers", customers}}) {
    auto run = RunPanorama({"ingest", "--data", data_, "--kind", kind, "--json", file});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(LastJson(run.out)["accepted"], 1) << kind << run.out;
  }
  auto stats = LastJson(RunPanorama({"stats", "--data", data_, "--json"}).out);
  EXPECT_EQ(stats["events"]["transaction"], 1);
  EXPECT_EQ(stats["events"]["label"], 1);
  EXPECT_EQ(stats["events"]["customer"], 1);
  EXPECT_EQ(stats["transaction_amounts"]["CNY"], "99.50");

  // Personal data is stored only as tokens.
  std::string log_bytes;
  for (const auto& entry : std::filesystem::directory_iterator(data_ + "/log")) {
    log_bytes += ReadFile(entry.path());
  }
  EXPECT_EQ(log_bytes.find("Lovelace"), std::string::npos);
  EXPECT_EQ(log_bytes.find("ada@example.com"), std::string::npos);
  EXPECT_NE(log_bytes.find("pii_"), std::string::npos);
}

TEST_F(CliTest, StatsGroupsTransactionsAndSumsAmountsExactly) {
  std::string file = Write(
      "tx.csv", std::string(kHeader) + GoodRow(1, "POS") + GoodRow(2, "ATM") + GoodRow(3, "POS"));
  ASSERT_EQ(RunPanorama({"ingest", "--data", data_, file}).exit_code, 0);
  auto run = RunPanorama({"stats", "--data", data_, "--by", "channel", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto stats = LastJson(run.out);
  ASSERT_EQ(stats["groups"].size(), 2u);
  EXPECT_EQ(stats["groups"][0]["key"], "ATM");
  EXPECT_EQ(stats["groups"][0]["count"], 1);
  EXPECT_EQ(stats["groups"][1]["key"], "POS");
  EXPECT_EQ(stats["groups"][1]["count"], 2);
  EXPECT_EQ(stats["groups"][1]["amounts"]["USD"], "24.68");
}

TEST_F(CliTest, FatalErrorsExitNonZeroWithOneLineReason) {
  auto missing = RunPanorama({"ingest", "--data", data_, dir_ + "/no-such-file.csv"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no-such-file.csv"), std::string::npos) << missing.err;

  std::string no_amount = Write("bad_header.csv", "tx_id,ts,customer_id,channel,type,currency\n");
  auto header = RunPanorama({"ingest", "--data", data_, no_amount});
  EXPECT_EQ(header.exit_code, 1);
  EXPECT_NE(header.err.find("amount"), std::string::npos) << header.err;

  std::string mapping = Write("bad.yaml", "fields:\n  tx_id: A\n  no_such_field: B\n");
  auto bad_mapping =
      RunPanorama({"ingest", "--data", data_, "--mapping", mapping, Write("x.csv", "A,B\n")});
  EXPECT_EQ(bad_mapping.exit_code, 1);
  EXPECT_NE(bad_mapping.err.find("bad.yaml"), std::string::npos) << bad_mapping.err;
  EXPECT_NE(bad_mapping.err.find("no_such_field"), std::string::npos) << bad_mapping.err;

  auto bad_kind = RunPanorama({"ingest", "--data", data_, "--kind", "trades", no_amount});
  EXPECT_EQ(bad_kind.exit_code, 1);
}

TEST_F(CliTest, VerifyPassesOnASoundDirectoryAndFindsAFlippedByte) {
  std::string csv = kHeader;
  for (int i = 0; i < 200; ++i) csv += GoodRow(i);
  ASSERT_EQ(RunPanorama({"ingest", "--data", data_, Write("tx.csv", csv)}).exit_code, 0);
  auto sound = RunPanorama({"verify", "--data", data_});
  EXPECT_EQ(sound.exit_code, 0) << sound.out << sound.err;
  EXPECT_NE(sound.out.find("verify: OK"), std::string::npos);

  std::string segment = SegmentPath();
  ASSERT_FALSE(segment.empty());
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(segment) / 2));
    f.put('\x5A');
  }
  auto damaged = RunPanorama({"verify", "--data", data_, "--json"});
  EXPECT_EQ(damaged.exit_code, 1);
  auto report = LastJson(damaged.out);
  EXPECT_FALSE(report["ok"]);
  ASSERT_FALSE(report["faults"].empty());
  EXPECT_NE(report["faults"][0].get<std::string>().find(".seg"), std::string::npos);

  // A writer refuses a directory whose log is damaged inside, rather than truncating it.
  auto ingest = RunPanorama({"ingest", "--data", data_, Write("more.csv", csv)});
  EXPECT_EQ(ingest.exit_code, 1);
  EXPECT_NE(ingest.err.find("orruption"), std::string::npos) << ingest.err;
}

TEST_F(CliTest, TornTailIsReportedThenRecoveredByTheNextLoad) {
  std::string csv = kHeader;
  for (int i = 0; i < 100; ++i) csv += GoodRow(i);
  std::string file = Write("tx.csv", csv);
  ASSERT_EQ(RunPanorama({"ingest", "--data", data_, file}).exit_code, 0);
  std::string segment = SegmentPath();
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 7);

  auto verify = RunPanorama({"verify", "--data", data_});
  EXPECT_EQ(verify.exit_code, 1) << verify.out;
  auto stats = LastJson(RunPanorama({"stats", "--data", data_, "--json"}).out);
  EXPECT_EQ(stats["events"]["transaction"], 99);
  EXPECT_TRUE(stats["tail_torn"]);

  auto reload = RunPanorama({"ingest", "--data", data_, "--json", file});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_NE(reload.err.find("torn"), std::string::npos) << reload.err;
  EXPECT_EQ(LastJson(reload.out)["accepted"], 1);
  EXPECT_EQ(LastJson(reload.out)["duplicates"], 99);
  EXPECT_EQ(RunPanorama({"verify", "--data", data_}).exit_code, 0);
}

TEST_F(CliTest, SchemaDocumentMatchesTheCode) {
  auto run = RunPanorama({"schema"});
  ASSERT_EQ(run.exit_code, 0);
  std::string doc = ReadFile(std::string(PANORAMA_SOURCE_DIR) + "/docs/schema.md");
  EXPECT_NE(doc.find(run.out), std::string::npos)
      << "docs/schema.md is out of date: paste the output of `panorama schema` into it";
}

}  // namespace
}  // namespace panorama
