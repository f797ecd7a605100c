// Crash test: SIGKILL `panorama features run` at seeded random moments while it replays a
// generated world's log with frequent checkpoints and a memory budget small enough that
// entities are evicted and reloaded; re-run after each kill, and prove that the output is
// byte-identical to an uninterrupted run's (which equals a back-fill's) and that the restored
// state shows the same entity features as a clean one. Also: a second run on the same state
// is refused at once, and --reset starts over.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "support/process.h"

namespace panorama {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::RunPanorama;
using testing::StartPanorama;

constexpr int kRequiredKills = 20;
constexpr int kMaxAttempts = 80;
// Bounds a wait for a started run to write rows, in 10 ms polls: against a hang, not a timing
// threshold.
constexpr int kMaxPolls = 60'000;
// ~16,000 transactions: an uninterrupted run under the small budget takes 1-2 s in a
// Release build.
const std::vector<std::string> kWorld = {"--customers", "1000", "--merchants", "100",
                                         "--days",      "10",   "--seed",      "20261201"};

// Used only when examples/features/fraud.yaml is missing or does not parse: windows,
// lifetime, distinct counts, filters, combined keys and derived features, over the same
// keyspaces the test shows.
constexpr const char* kFallbackSpec = R"(name: crash
version: 1
allowed_lateness: 5m
features:
  - name: customer_count_1h
    entity: customer_id
    agg: count
    window: 1h
  - name: customer_amount_sum_24h
    entity: customer_id
    agg: sum
    field: amount
    window: 24h
  - name: customer_amount_mean_30d
    entity: customer_id
    agg: mean
    field: amount
    window: 30d
    filter: currency == CNY
  - name: customer_amount_stddev_7d
    entity: customer_id
    agg: stddev
    field: amount
    window: 7d
  - name: customer_distinct_merchants_7d
    entity: customer_id
    agg: distinct_count
    field: merchant_id
    window: 7d
    filter: present(merchant_id)
  - name: customer_online_ratio_30d
    entity: customer_id
    agg: ratio
    window: 30d
    numerator: channel in (ONLINE, MOBILE)
  - name: customer_seconds_since_last
    entity: customer_id
    agg: time_since_last
  - name: card_count_lifetime
    entity: card_id
    agg: count
    window: lifetime
  - name: card_amount_max_24h
    entity: card_id
    agg: max
    field: amount
    window: 24h
    include_current: true
  - name: card_atm_count_7d
    entity: card_id
    agg: count_value
    field: channel
    value: ATM
    window: 7d
  - name: device_distinct_cards_24h
    entity: device_id
    agg: distinct_count
    field: card_id
    window: 24h
    include_current: true
  - name: device_seconds_since_first
    entity: device_id
    agg: time_since_first
  - name: merchant_count_24h
    entity: merchant_id
    agg: count
    window: 24h
    filter: type == PURCHASE
  - name: merchant_amount_min_30d
    entity: merchant_id
    agg: min
    field: amount
    window: 30d
  - name: customer_merchant_count_90d
    entity: customer_id+merchant_id
    agg: count
    window: 90d
  - name: customer_merchant_last_amount
    entity: customer_id+merchant_id
    agg: last
    field: amount
  - name: amount_to_customer_mean_30d
    expr: amount / customer_amount_mean_30d
  - name: card_burst
    expr: card_amount_max_24h > 100000 and customer_count_1h >= 3
)";

// Built once for the suite; each test copies `data` before it writes feature state.
struct World {
  bool ready = false;
  std::string dir;        // scratch root, removed at the end
  std::string data;       // transactions and labels ingested, no feature state
  std::string spec;       // the spec every run uses (a copy, so edits mid-test cannot matter)
  std::string spec_name;  // names DIR/state/features/<name>
  // --memory-mb small enough that the engine evicts entities and reloads them as it runs.
  std::string small_budget_mb = "8";
  uint64_t transactions = 0;
  std::string clean;      // a copy of `data` after an uninterrupted run
  std::string reference;  // that run's output
  // --entity arguments of the busiest entity of several keyspaces.
  std::vector<std::vector<std::string>> entities;
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells(1);
  for (char c : line) {
    if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back().push_back(c);
    }
  }
  return cells;
}

// The busiest entity of each keyspace, by its count of transactions in the generated file
// (ties to the smallest key, so the choice is deterministic).
std::vector<std::vector<std::string>> BusyEntities(const std::string& transactions_csv) {
  const std::vector<std::vector<std::string>> keyspaces = {
      {"customer_id"}, {"card_id"}, {"merchant_id"}, {"device_id"}, {"customer_id", "merchant_id"}};
  const std::string text = ReadFile(transactions_csv);
  size_t begin = 0;
  std::vector<std::string> header;
  std::vector<std::map<std::vector<std::string>, uint64_t>> counts(keyspaces.size());
  std::vector<std::vector<size_t>> columns;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> cells = SplitCsvLine(text.substr(begin, end - begin));
    begin = end + 1;
    if (header.empty()) {
      header = cells;
      for (const auto& fields : keyspaces) {
        std::vector<size_t> at;
        at.reserve(fields.size());
        for (const auto& field : fields) {
          at.push_back(
              static_cast<size_t>(std::find(header.begin(), header.end(), field) - header.begin()));
        }
        columns.push_back(at);
      }
      continue;
    }
    for (size_t k = 0; k < keyspaces.size(); ++k) {
      std::vector<std::string> key;
      for (size_t column : columns[k]) {
        if (column < cells.size() && !cells[column].empty()) key.push_back(cells[column]);
      }
      if (key.size() == columns[k].size()) ++counts[k][key];
    }
  }
  std::vector<std::vector<std::string>> entities;
  for (size_t k = 0; k < keyspaces.size(); ++k) {
    if (counts[k].empty()) continue;
    auto busiest = counts[k].begin();
    for (auto it = counts[k].begin(); it != counts[k].end(); ++it) {
      if (it->second > busiest->second) busiest = it;
    }
    std::vector<std::string> args;
    for (size_t i = 0; i < keyspaces[k].size(); ++i) {
      args.push_back("--entity");
      args.push_back(keyspaces[k][i] + "=" + busiest->first[i]);
    }
    entities.push_back(args);
  }
  return entities;
}

// Whether file `path` holds exactly `expected`; if not, where it first departs from it (the
// files are megabytes: printing them whole would bury the difference).
::testing::AssertionResult SameAs(const std::string& expected, const std::string& path) {
  const std::string actual = ReadFile(path);
  if (expected == actual) return ::testing::AssertionSuccess();
  auto at = static_cast<size_t>(
      std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end()).first -
      expected.begin());
  size_t line_start = at == 0 ? std::string::npos : expected.rfind('\n', at - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  auto line_of = [&](const std::string& text) {
    if (line_start >= text.size()) return std::string("<end of file>");
    return text.substr(line_start, text.find('\n', line_start) - line_start);
  };
  auto line =
      std::count(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1;
  return ::testing::AssertionFailure()
         << path << " holds " << actual.size() << " bytes, the reference " << expected.size()
         << "; line " << line << " differs:\n  expected: " << line_of(expected)
         << "\n  actual:   " << line_of(actual);
}

std::vector<std::string> RunArgs(const World& world, const std::string& data,
                                 const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "features",           "run",  "--data", data, "--spec", world.spec, "--out", out,
      "--checkpoint-every", "2000", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The JSON summary a command prints as its last line (an empty object if there is none).
nlohmann::json Summary(const testing::CommandResult& result) {
  std::string text = result.out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  auto json = nlohmann::json::parse(text.substr(text.rfind('\n') + 1), nullptr,
                                    /*allow_exceptions=*/false);
  return json.is_object() ? json : nlohmann::json::object();
}

std::string Show(const World& world, const std::string& data,
                 const std::vector<std::string>& entity) {
  std::vector<std::string> args = {"features", "show", "--data", data, "--spec", world.spec};
  args.insert(args.end(), entity.begin(), entity.end());
  args.emplace_back("--json");
  auto result = RunPanorama(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out;
}

void BuildWorld(World* world) {
  world->dir = testing::MakeTempDir("panorama-features-crash");
  const std::string gen = world->dir + "/gen";
  std::vector<std::string> generate = {"generate", "--out", gen};
  generate.insert(generate.end(), kWorld.begin(), kWorld.end());
  auto generated = RunPanorama(generate);
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  world->data = world->dir + "/data";
  auto transactions = RunPanorama({"ingest", "--data", world->data, "--kind", "transactions",
                                   "--json", gen + "/transactions.csv"});
  ASSERT_EQ(transactions.exit_code, 0) << transactions.err;
  world->transactions = Summary(transactions).value("accepted", uint64_t{0});
  ASSERT_GT(world->transactions, 10'000u) << transactions.out;
  auto labels = RunPanorama(
      {"ingest", "--data", world->data, "--kind", "labels", "--json", gen + "/labels.csv"});
  ASSERT_EQ(labels.exit_code, 0) << labels.err;

  world->spec = world->dir + "/spec.yaml";
  testing::WriteFile(world->spec,
                     ReadFile(std::string(PANORAMA_SOURCE_DIR) + "/examples/features/fraud.yaml"));
  auto spec = features::LoadFeatureSpec(world->spec);
  if (!spec.ok()) {
    std::cerr << "examples/features/fraud.yaml unusable (" << spec.status().ToString()
              << "); using the test's own spec\n";
    testing::WriteFile(world->spec, kFallbackSpec);
    world->small_budget_mb = "2";
    spec = features::LoadFeatureSpec(world->spec);
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  }
  world->spec_name = spec->name;
  world->entities = BusyEntities(gen + "/transactions.csv");
  ASSERT_EQ(world->entities.size(), 5u);

  world->clean = world->dir + "/clean";
  fs::copy(world->data, world->clean, fs::copy_options::recursive);
  const std::string reference = world->dir + "/reference.csv";
  auto run = RunPanorama(RunArgs(*world, world->clean, reference));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(Summary(run).value("rows", uint64_t{0}), world->transactions) << run.out;
  world->reference = ReadFile(reference);

  // The online run equals the back-fill of the same log.
  const std::string backfill = world->dir + "/backfill.csv";
  auto filled = RunPanorama({"features", "backfill", "--data", world->clean, "--spec", world->spec,
                             "--no-labels", "--out", backfill});
  ASSERT_EQ(filled.exit_code, 0) << filled.err;
  ASSERT_TRUE(SameAs(world->reference, backfill)) << "features run and features backfill disagree";
  world->ready = true;
}

// Waits until `pid` has rows in `out`: its state is open and its signal handlers are set
// (the first checkpoint writes the rows). False if the process ended first.
bool WaitForRows(int pid, const std::string& out, const std::string& reference) {
  const size_t header = reference.find('\n') + 1;
  for (int poll = 0; poll < kMaxPolls; ++poll) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != 0) return false;
    std::error_code ec;
    auto size = fs::file_size(out, ec);
    if (!ec && size > header) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int WaitForExit(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

class FeaturesCrashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_ = new World;
    BuildWorld(world_);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!world_->dir.empty()) fs::remove_all(world_->dir, ec);
    delete world_;
    world_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(world_->ready) << "building the shared world failed"; }

  // A copy of the world's data directory without feature state.
  static std::string CopyData(const std::string& name) {
    std::string copy = world_->dir + "/" + name;
    fs::copy(world_->data, copy, fs::copy_options::recursive);
    return copy;
  }

  static World* world_;
};

World* FeaturesCrashTest::world_ = nullptr;

TEST_F(FeaturesCrashTest, KilledRunResumesToBitIdenticalFeatures) {
  const World& world = *world_;

  // Uninterrupted under the small budget: evictions and reloads change nothing, and the
  // duration bounds the kill moments.
  const std::string budget_out = world.dir + "/budget.csv";
  auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> small_budget = {"--memory-mb", world.small_budget_mb};
  auto clean = RunPanorama(RunArgs(world, CopyData("budget"), budget_out, small_budget));
  const double clean_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  auto summary = Summary(clean);
  ASSERT_GT(summary.value("evictions", uint64_t{0}), 0u) << clean.out;
  ASSERT_GT(summary.value("reloads", uint64_t{0}), 0u) << clean.out;
  ASSERT_TRUE(SameAs(world.reference, budget_out))
      << "evicting and reloading entities changed the features";
  fs::remove_all(world.dir + "/budget");

  // Kill moments within half the clean duration put several kills into each pass over the
  // log. A pass that completes between kills must already match; the test then starts over.
  const std::string crashed = CopyData("crashed");
  const std::string out = world.dir + "/crashed.csv";
  const auto args = RunArgs(world, crashed, out, small_budget);
  std::mt19937_64 rng(20261201);
  std::uniform_real_distribution<double> moment(0.0, clean_seconds / 2);
  int kills = 0;
  int passes = 0;
  int attempts = 0;
  for (; attempts < kMaxAttempts && kills < kRequiredKills; ++attempts) {
    int pid = StartPanorama(args);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      status = WaitForExit(pid);
    }
    if (WIFSIGNALED(status)) {
      ++kills;
      continue;
    }
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "features run failed on its own after " << kills << " kills: " << RunPanorama(args).err;
    ++passes;
    ASSERT_TRUE(SameAs(world.reference, out))
        << "pass " << passes << " completed after " << kills << " kills in all";
    fs::remove_all(features::FeatureStateDir(crashed, world.spec_name));
    fs::remove(out);
  }
  ASSERT_EQ(kills, kRequiredKills);
  std::cout << kills << " kills in " << attempts << " attempts, " << passes
            << " passes completed between them; an uninterrupted run takes " << clean_seconds
            << " s\n";

  auto final_run = RunPanorama(args);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  EXPECT_TRUE(SameAs(world.reference, out))
      << "after " << kills << " kills (" << passes << " passes completed between them)";

  // The restored state equals the clean one.
  for (const auto& entity : world.entities) {
    std::string expected = Show(world, world.clean, entity);
    EXPECT_NE(expected.find("\"features\""), std::string::npos) << expected;
    EXPECT_EQ(Show(world, crashed, entity), expected) << entity[1];
  }
}

TEST_F(FeaturesCrashTest, SecondRunOnTheSameStateIsRefusedWhileOneRuns) {
  const World& world = *world_;
  const std::string data = CopyData("locked");
  const std::string out = world.dir + "/locked.csv";
  int pid = StartPanorama(RunArgs(world, data, out, {"--follow"}));
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForRows(pid, out, world.reference));

  auto second = RunPanorama(RunArgs(world, data, out));
  EXPECT_EQ(second.exit_code, 1) << second.out;
  EXPECT_THAT(second.err, HasSubstr("is in use by another process"));

  ::kill(pid, SIGTERM);
  int status = WaitForExit(pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  // The refused run touched nothing: resuming completes the reference.
  auto resumed = RunPanorama(RunArgs(world, data, out));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_GT(Summary(resumed).value("resumed_from_seq", uint64_t{0}), 0u) << resumed.out;
  EXPECT_TRUE(SameAs(world.reference, out));
}

TEST_F(FeaturesCrashTest, ResetIsRefusedWhileAnotherRunHoldsTheState) {
  const World& world = *world_;
  const std::string data = CopyData("reset-locked");
  const std::string out = world.dir + "/reset-locked.csv";
  int pid = StartPanorama(RunArgs(world, data, out, {"--follow"}));
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForRows(pid, out, world.reference));

  // Removing the state of a running engine would leave two writers and a lost state.
  auto reset = RunPanorama(RunArgs(world, data, world.dir + "/reset-other.csv", {"--reset"}));
  EXPECT_EQ(reset.exit_code, 1) << reset.out;
  EXPECT_THAT(reset.err, HasSubstr("is in use by another process"));

  ::kill(pid, SIGTERM);
  int status = WaitForExit(pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto resumed = RunPanorama(RunArgs(world, data, out));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(SameAs(world.reference, out));
}

TEST_F(FeaturesCrashTest, ResetStartsOver) {
  const World& world = *world_;
  const std::string data = CopyData("reset");
  const std::string out = world.dir + "/reset.csv";

  // Leave a checkpointed run behind (--follow: it cannot finish before the kill).
  int pid = StartPanorama(RunArgs(world, data, out, {"--follow"}));
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForRows(pid, out, world.reference));
  ::kill(pid, SIGKILL);
  WaitForExit(pid);

  auto reset = RunPanorama(RunArgs(world, data, out, {"--reset"}));
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  auto summary = Summary(reset);
  EXPECT_EQ(summary.value("resumed_from_seq", uint64_t{1}), 0u) << reset.out;
  EXPECT_EQ(summary.value("rows", uint64_t{0}), world.transactions) << reset.out;
  EXPECT_TRUE(SameAs(world.reference, out));

  // Without --reset a finished state has nothing left to do.
  auto again = RunPanorama(RunArgs(world, data, out));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  summary = Summary(again);
  EXPECT_EQ(summary.value("rows", uint64_t{1}), 0u) << again.out;
  EXPECT_EQ(summary.value("resumed_from_seq", uint64_t{0}), summary.value("last_seq", uint64_t{1}))
      << again.out;
  EXPECT_TRUE(SameAs(world.reference, out));
}

}  // namespace
}  // namespace panorama
