// Crash test: SIGKILL `panorama ingest` at seeded random moments while it loads a million
// synthetic rows, re-run the same ingest after each kill, and prove that at the end every
// distinct tx_id is in the log exactly once, verify passes, and stats equal a clean load.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>

#include "core/event.h"
#include "core/event_codec.h"
#include "log/transaction_log.h"
#include "support/process.h"
#include "support/synthetic.h"

namespace panorama {
namespace {

using testing::RunPanorama;
using testing::StartPanorama;

constexpr uint64_t kDistinctRows = 1'000'000;
constexpr int kRequiredKills = 20;
constexpr int kMaxAttempts = 80;

std::vector<std::string> IngestArgs(const std::string& data, const std::string& file,
                                    const std::string& rejects) {
  return {"ingest", "--data", data, "--rejects", rejects, "--json", file};
}

TEST(IngestCrashTest, KilledIngestLosesAndDuplicatesNothing) {
  std::string dir = testing::MakeTempDir("panorama-crash");
  std::string file = dir + "/transactions.csv";
  auto synthetic = testing::WriteSyntheticTransactions(file, kDistinctRows, 20261123);
  ASSERT_GT(synthetic.duplicates, 0u);
  ASSERT_GT(synthetic.bad, 0u);

  // A clean, uninterrupted load: the reference.
  auto start = std::chrono::steady_clock::now();
  auto clean = RunPanorama(IngestArgs(dir + "/clean", file, dir + "/clean-rejects.csv"));
  double clean_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  ASSERT_NE(clean.out.find("\"accepted\":" + std::to_string(kDistinctRows)), std::string::npos)
      << clean.out;

  // Kill the same load at random moments until 20 kills have hit a running process.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> moment(0.0, clean_seconds);
  std::string crashed = dir + "/crashed";
  int kills = 0;
  for (int attempt = 0; attempt < kMaxAttempts && kills < kRequiredKills; ++attempt) {
    int pid = StartPanorama(IngestArgs(crashed, file, dir + "/crash-rejects.csv"));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    // The process may finish between the poll and the kill; that run counts as a completion.
    if (WIFSIGNALED(status)) {
      ASSERT_EQ(WTERMSIG(status), SIGKILL);
      ++kills;
    } else {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "ingest failed on its own";
    }
  }
  ASSERT_EQ(kills, kRequiredKills);

  auto final_run = RunPanorama(IngestArgs(crashed, file, dir + "/crash-rejects.csv"));
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;

  auto verify = RunPanorama({"verify", "--data", crashed});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  for (const char* by : {"day", "channel", "currency"}) {
    auto clean_stats = RunPanorama({"stats", "--data", dir + "/clean", "--by", by, "--json"});
    auto crashed_stats = RunPanorama({"stats", "--data", crashed, "--by", by, "--json"});
    ASSERT_EQ(clean_stats.exit_code, 0);
    EXPECT_EQ(clean_stats.out, crashed_stats.out) << "stats --by " << by;
  }

  // Every distinct tx_id exactly once, in a gapless log.
  auto reader = LogReader::OpenRange(crashed + "/log", 1);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::unordered_set<std::string> ids;
  ids.reserve(kDistinctRows);
  LogRecord record;
  Event event;
  uint64_t expected_seq = 1;
  while ((*reader)->Next(&record)) {
    ASSERT_EQ(record.seq, expected_seq++);
    ASSERT_TRUE(DecodeEvent(record.payload, &event).ok());
    ASSERT_TRUE(ids.emplace(event.id()).second) << "duplicate " << event.id();
  }
  ASSERT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  EXPECT_EQ(ids.size(), kDistinctRows);
  for (uint64_t id : {uint64_t{1}, kDistinctRows / 2, kDistinctRows}) {
    char name[32];
    std::snprintf(name, sizeof name, "T%012llu", static_cast<unsigned long long>(id));
    EXPECT_TRUE(ids.count(name)) << name;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace panorama
