// generate_bench: the generator's figure of BENCHMARKS.md, transactions per second.
//
//   build/bench/generate_bench [--customers N] [--merchants M] [--days D] [--repeats R]
//                              [--format csv|jsonl] [--dir TMPDIR] [--split]
//
// Runs GenerateWorld (the whole `panorama generate`: simulation, sorting, writing every file
// and the manifest) R times into a temporary directory on one thread and reports the median
// wall time and transactions per second. With --split it then drives the simulators by a bare
// day loop once, timing each: population, spending, crime, and the low-volume simulators
// (credit, marketing, opinion) with their writing; what the median run took beyond these is
// the world's own work: sorting, writing transactions, labels, merchant history, behaviour
// averages and snapshots. The split is approximate (one bare pass against a median).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bench_support.h"
#include "generate/generate.h"
#include "generate/internal/world.h"
#include "generate/internal/world_run.h"
#include "generate/internal/writer.h"

namespace panorama::generate {
namespace {

using bench::Clock;
using bench::Die;
using bench::Median;
using bench::Since;

struct Options {
  WorldOptions world;
  int repeats = 3;
  std::string dir = "/tmp";
  bool split = false;
};

std::unique_ptr<BlockFile> Sink(const std::string& path) {
  auto file = BlockFile::Create(path);
  if (!file.ok()) Die(file.status().ToString());
  return std::move(file).value();
}

// One bare pass over the days, timing each simulator; `whole` is the median full run.
void Split(const WorldOptions& base, const std::string& dir, double whole) {
  WorldOptions options = base;
  if (options.start == 0) options.start = DefaultStart();
  double population_s = 0, spending_s = 0, crime_s = 0, others_s = 0;
  auto t = Clock::now();
  Population population = Population::Build(options);
  population_s = Since(t);
  SpendingSimulator spending(options, population);
  CrimeSimulator crime(options, population);
  CreditSimulator credit(options, population);
  MarketingSimulator marketing(options, population);
  OpinionSimulator opinion(options, population);
  EventStream loans(EventKind::kLoan, Sink(dir + "/split-loans"), options.format);
  EventStream offers(EventKind::kOffer, Sink(dir + "/split-offers"), options.format);
  EventStream customers(EventKind::kCustomer, Sink(dir + "/split-customers"), options.format);
  EventStream posts(EventKind::kPost, Sink(dir + "/split-posts"), options.format);
  std::vector<TxRecord> day_tx;
  std::vector<Incident> incidents;
  std::map<std::string, uint64_t> loan_status;
  uint64_t transactions = 0;
  DayContext day;
  for (int d = 0; d < options.days; ++d) {
    day.day = d;
    day.begin = options.start + d * kMicrosPerDay;
    day.end = day.begin + kMicrosPerDay;
    day.weekday = static_cast<int>((DayNumber(day.begin) + 3) % 7);  // 1970-01-01: Thursday
    day_tx.clear();
    t = Clock::now();
    spending.SimulateDay(day, day_tx);
    spending_s += Since(t);
    day.genuine_tx = day_tx.size();
    t = Clock::now();
    crime.SimulateDay(day, day_tx, incidents);
    crime_s += Since(t);
    transactions += day_tx.size();
    t = Clock::now();
    credit.SimulateDay(day, loans, customers, loan_status);
    marketing.SimulateDay(day, offers, customers);
    opinion.SimulateDay(day, incidents, posts);
    for (EventStream* s : {&loans, &offers, &customers, &posts}) {
      if (!s->FlushBefore(day.end).ok()) Die("flush failed");
    }
    others_s += Since(t);
  }
  for (EventStream* s : {&loans, &offers, &customers, &posts}) {
    if (!s->Close().ok()) Die("close failed");
  }
  const double rest = std::max(0.0, whole - population_s - spending_s - crime_s - others_s);
  const auto n = static_cast<double>(transactions);
  std::printf("\nsplit (one bare pass of the simulators, %llu transactions):\n",
              static_cast<unsigned long long>(transactions));
  auto row = [&](const char* what, double s) {
    std::printf("  %-52s %8.3f s %7.1f ns/tx %5.1f %%\n", what, s, s / n * 1e9, 100 * s / whole);
  };
  row("population build", population_s);
  row("spending (genuine transactions)", spending_s);
  row("crime (fraud and laundering)", crime_s);
  row("credit, marketing, opinion + their writing", others_s);
  row("the rest of the median run: sort, write, labels, ...", rest);
}

int Main(int argc, char** argv) {
  Options o;
  o.world.customers = 100'000;
  o.world.merchants = 10'000;
  o.world.days = 30;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--split") {
      o.split = true;
      continue;
    }
    if (i + 1 >= argc) Die("missing value of " + flag);
    const std::string value = argv[++i];
    if (flag == "--customers") {
      o.world.customers = std::stoll(value);
    } else if (flag == "--merchants") {
      o.world.merchants = std::stoll(value);
    } else if (flag == "--days") {
      o.world.days = std::stoi(value);
    } else if (flag == "--repeats") {
      o.repeats = std::stoi(value);
    } else if (flag == "--dir") {
      o.dir = value;
    } else if (flag == "--format") {
      if (value != "csv" && value != "jsonl") Die("--format must be csv or jsonl");
      o.world.format = value == "csv" ? OutputFormat::kCsv : OutputFormat::kJsonl;
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (Status valid = ValidateOptions(o.world); !valid.ok()) Die(valid.message());
  const std::string root = o.dir + "/panorama-generate-bench-" + std::to_string(::getpid());
  std::printf("world: %lld customers, %lld merchants, %d days, %s; %d repeats; median reported\n",
              static_cast<long long>(o.world.customers), static_cast<long long>(o.world.merchants),
              o.world.days, o.world.format == OutputFormat::kCsv ? "csv" : "jsonl", o.repeats);

  std::vector<double> seconds;
  uint64_t transactions = 0, bytes = 0;
  for (int r = 0; r < o.repeats; ++r) {
    std::filesystem::remove_all(root);
    const auto start = Clock::now();
    auto summary = GenerateWorld(o.world, root);
    seconds.push_back(Since(start));
    if (!summary.ok()) Die(summary.status().ToString());
    transactions = summary->transactions;
    bytes = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
      bytes += entry.file_size();
    }
    std::printf("  run %d: %.3f s, %llu transactions, %.0f transactions/s\n", r + 1, seconds.back(),
                static_cast<unsigned long long>(transactions),
                static_cast<double>(transactions) / seconds.back());
  }
  const double median = Median(seconds);
  std::printf("\n%-52s %14s\n", "figure (median)", "per second");
  std::printf("%-52s %14.0f transactions\n", "panorama generate, whole world, one core",
              static_cast<double>(transactions) / median);
  std::printf("%-52s %14.1f MB\n", "output written", static_cast<double>(bytes) / median / 1e6);
  if (o.split) {
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
    Split(o.world, root, median);
  }
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace panorama::generate

int main(int argc, char** argv) {
  try {
    return panorama::generate::Main(argc, argv);
  } catch (const std::exception& e) {  // a flag value std::stoll cannot parse
    std::fprintf(stderr, "generate_bench: %s\n", e.what());
    return 2;
  }
}
