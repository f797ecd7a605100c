// ingest_bench: the figures of BENCHMARKS.md for loading transactions.
//
//   build/bench/ingest_bench [--rows N] [--repeats R] [--batch B] [--dir TMPDIR]
//
// Synthesises N canonical transaction rows (seeded), then measures, each R times, reporting
// the median:
//   parse       CSV parse + validate into events, one core, nothing stored
//   append      durable appends of pre-encoded events to the log, fsync per batch of B
//   ingest      the whole `panorama ingest` path: parse, validate, dedup against the id
//               index, durable append (fsync per batch), index update
//   sqlite      the peer: the same rows parsed by the same reader, inserted into SQLite
//               (table with PRIMARY KEY tx_id, WAL, synchronous=FULL, INSERT OR IGNORE, one
//               transaction per batch of B rows)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench_support.h"
#include "core/event.h"
#include "core/event_codec.h"
#include "ingest/record_reader.h"
#include "log/transaction_log.h"
#include "state/event_store.h"
#include "state/loader.h"
#include "support/synthetic.h"

namespace panorama {
namespace {

using bench::Die;
using bench::Median;

struct Options {
  uint64_t rows = 1'000'000;
  int repeats = 5;
  size_t batch = 4096;
  std::string dir = "/tmp";
};

double Seconds(const std::function<void()>& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Parses the whole file; calls on_event for each accepted event. Returns events accepted.
uint64_t ParseFile(const std::string& path, const std::function<void(const Event&)>& on_event) {
  ReaderOptions options;
  auto reader = RecordReader::Open(path, options);
  if (!reader.ok()) Die(reader.status().ToString());
  Event event;
  Reject reject;
  uint64_t accepted = 0;
  for (;;) {
    auto outcome = (*reader)->Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    if (outcome == RecordReader::Outcome::kEvent) {
      ++accepted;
      if (on_event) on_event(event);
    }
  }
  return accepted;
}

double BenchParse(const std::string& csv, uint64_t expected) {
  uint64_t accepted = 0;
  double s = Seconds([&] { accepted = ParseFile(csv, nullptr); });
  if (accepted != expected) Die("parse accepted " + std::to_string(accepted));
  return s;
}

double BenchAppend(const std::vector<LogBatch>& batches, const std::string& dir) {
  std::filesystem::remove_all(dir);
  auto log = TransactionLog::Open(dir, LogOptions{});
  if (!log.ok()) Die(log.status().ToString());
  double s = Seconds([&] {
    for (const auto& batch : batches) {
      auto r = (*log)->Append(batch);
      if (!r.ok()) Die(r.status().ToString());
    }
  });
  log->reset();
  std::filesystem::remove_all(dir);
  return s;
}

double BenchIngest(const std::string& csv, const std::string& dir, size_t batch_size,
                   uint64_t expected) {
  std::filesystem::remove_all(dir);
  uint64_t accepted = 0;
  double s = Seconds([&] {
    auto store = EventStore::Open(dir);
    if (!store.ok()) Die(store.status().ToString());
    ReaderOptions options;
    auto reader = RecordReader::Open(csv, options);
    if (!reader.ok()) Die(reader.status().ToString());
    LoadCounts counts;
    Status loaded = LoadRecords(
        **reader, **store, batch_size, [](const Reject&) { return Status::Ok(); }, &counts);
    if (!loaded.ok()) Die(loaded.ToString());
    accepted = counts.accepted;
    if (!(*store)->Close().ok()) Die("close failed");
  });
  if (accepted != expected) Die("ingest accepted " + std::to_string(accepted));
  std::filesystem::remove_all(dir);
  return s;
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "?";
    sqlite3_free(error);
    Die(std::string("sqlite: ") + sql + ": " + message);
  }
}

double BenchSqlite(const std::string& csv, const std::string& dir, size_t batch_size,
                   uint64_t expected) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/peer.db";
  uint64_t inserted = 0;
  double s = Seconds([&] {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die("sqlite open");
    Exec(db, "PRAGMA journal_mode=WAL");
    Exec(db, "PRAGMA synchronous=FULL");
    Exec(db,
         "CREATE TABLE transactions (tx_id TEXT PRIMARY KEY, ts INTEGER NOT NULL, "
         "customer_id TEXT NOT NULL, account_id TEXT, card_id TEXT, merchant_id TEXT, "
         "device_id TEXT, ip TEXT, channel INTEGER NOT NULL, type INTEGER NOT NULL, "
         "amount INTEGER NOT NULL, currency INTEGER NOT NULL, mcc INTEGER, country TEXT, "
         "city TEXT, lat REAL, lon REAL, counterparty_id TEXT)");
    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO transactions VALUES "
                           "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &insert, nullptr) != SQLITE_OK) {
      Die("sqlite prepare");
    }
    size_t in_batch = 0;
    Exec(db, "BEGIN");
    ParseFile(csv, [&](const Event& e) {
      for (int f = 0; f < 18; ++f) {
        int column = f + 1;
        if (!e.has(f)) {
          sqlite3_bind_null(insert, column);
          continue;
        }
        switch (StorageOf(e.schema().fields[static_cast<size_t>(f)].type)) {
          case StorageClass::kString:
            sqlite3_bind_text(insert, column, e.str(f).data(), static_cast<int>(e.str(f).size()),
                              SQLITE_STATIC);
            break;
          case StorageClass::kReal:
            sqlite3_bind_double(insert, column, e.real(f));
            break;
          case StorageClass::kNumber:
            sqlite3_bind_int64(insert, column, e.num(f));
            break;
        }
      }
      if (sqlite3_step(insert) != SQLITE_DONE) Die("sqlite insert");
      inserted += static_cast<uint64_t>(sqlite3_changes(db));
      sqlite3_reset(insert);
      if (++in_batch == batch_size) {
        Exec(db, "COMMIT");
        Exec(db, "BEGIN");
        in_batch = 0;
      }
    });
    Exec(db, "COMMIT");
    sqlite3_finalize(insert);
    sqlite3_close(db);
  });
  if (inserted != expected) Die("sqlite inserted " + std::to_string(inserted));
  std::filesystem::remove_all(dir);
  return s;
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--rows") {
      o.rows = std::stoull(argv[i + 1]);
    } else if (flag == "--repeats") {
      o.repeats = std::stoi(argv[i + 1]);
    } else if (flag == "--batch") {
      o.batch = std::stoull(argv[i + 1]);
    } else if (flag == "--dir") {
      o.dir = argv[i + 1];
    } else {
      Die("unknown flag " + flag);
    }
  }
  std::string root = o.dir + "/panorama-ingest-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(root);
  std::string csv = root + "/transactions.csv";
  auto synthetic = testing::WriteSyntheticTransactions(csv, o.rows, 42);
  uint64_t rows = synthetic.rows;
  auto file_bytes = std::filesystem::file_size(csv);
  std::printf(
      "input: %llu CSV rows (%llu distinct, %llu repeated, %llu invalid), %.1f MB; "
      "batch %zu; %d repeats; median reported\n",
      static_cast<unsigned long long>(rows), static_cast<unsigned long long>(synthetic.distinct),
      static_cast<unsigned long long>(synthetic.duplicates),
      static_cast<unsigned long long>(synthetic.bad), static_cast<double>(file_bytes) / 1e6,
      o.batch, o.repeats);

  // Pre-encode the accepted events for the append benchmark.
  std::vector<LogBatch> batches(1);
  std::string payload;
  uint64_t valid_rows = ParseFile(csv, [&](const Event& e) {
    if (batches.back().count() == o.batch) batches.emplace_back();
    payload.clear();
    EncodeEvent(e, &payload);
    batches.back().Add(static_cast<uint8_t>(e.kind()), e.ts(), payload);
  });

  std::vector<double> parse, append, ingest, sqlite;
  for (int r = 0; r < o.repeats; ++r) {
    parse.push_back(BenchParse(csv, valid_rows));
    append.push_back(BenchAppend(batches, root + "/log"));
    ingest.push_back(BenchIngest(csv, root + "/data", o.batch, synthetic.distinct));
    sqlite.push_back(BenchSqlite(csv, root + "/sqlite", o.batch, synthetic.distinct));
    std::printf("  run %d: parse %.3f s, append %.3f s, ingest %.3f s, sqlite %.3f s\n", r + 1,
                parse.back(), append.back(), ingest.back(), sqlite.back());
  }
  double p = Median(parse), a = Median(append), i = Median(ingest), s = Median(sqlite);
  auto rate = [](double n, double secs) { return n / secs; };
  std::printf("\n%-52s %14s\n", "figure (median)", "per second");
  std::printf("%-52s %14.0f rows\n", "CSV parse + validate, one core",
              rate(static_cast<double>(rows), p));
  std::printf("%-52s %14.0f events\n", "durable append, fsync per batch",
              rate(static_cast<double>(valid_rows), a));
  std::printf("%-52s %14.0f rows\n", "panorama ingest (parse, dedup, log, index)",
              rate(static_cast<double>(rows), i));
  std::printf("%-52s %14.0f rows\n", "SQLite peer (PK, WAL, synchronous=FULL)",
              rate(static_cast<double>(rows), s));
  std::printf("%-52s %14.2fx\n", "panorama ingest / SQLite", s / i);
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace panorama

int main(int argc, char** argv) { return panorama::Main(argc, argv); }
