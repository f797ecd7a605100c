// panorama ingest: load files into a data directory's log, exactly once, with rejects.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/reject_file.h"
#include "cli/store_flags.h"
#include "core/schema.h"
#include "ingest/mapping.h"
#include "ingest/pii.h"
#include "ingest/record_reader.h"
#include "state/event_store.h"
#include "state/loader.h"

namespace panorama::cli {
namespace {

struct IngestArgs {
  std::string data_dir;
  std::string kind_name;
  std::string mapping_path;
  std::string rejects_path;
  std::string sync = "batch";
  size_t batch_size = 4096;
  bool json = false;
  std::vector<std::string> files;
};

struct FileSummary {
  std::string file;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  double seconds = 0;
  std::string error;  // a fatal problem of the file; empty when it was processed
  std::vector<std::string> warnings;
};

std::string DefaultRejectsPath(const std::string& data_dir) {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return fmt::format("{}/rejects/ingest-{}-{}.csv", data_dir, seconds, ::getpid());
}

// Loads one file. Returns non-OK only for fatal errors of the store or the rejects file
// (the file's own fatal errors land in summary->error).
Status IngestFile(const std::string& path, const ReaderOptions& options, size_t batch_size,
                  EventStore& store, RejectFile& rejects, FileSummary* summary) {
  auto start = std::chrono::steady_clock::now();
  summary->file = path;
  auto reader = RecordReader::Open(path, options);
  if (!reader.ok()) {
    summary->error = reader.status().message();
    return Status::Ok();
  }
  LoadCounts counts;
  Status status = LoadRecords(
      **reader, store, batch_size, [&](const Reject& r) { return rejects.Write(r); }, &counts);
  summary->accepted = counts.accepted;
  summary->duplicates = counts.duplicates;
  summary->rejected = counts.rejected;
  summary->warnings = (*reader)->warnings();
  summary->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return status;
}

int RunIngest(const IngestArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "panorama ingest: " << message << "\n";
    return 1;
  };

  std::optional<Mapping> mapping;
  if (!args.mapping_path.empty()) {
    auto loaded = LoadMapping(args.mapping_path);
    if (!loaded.ok()) return fail(loaded.status().message());
    mapping = std::move(loaded).value();
  }
  std::optional<EventKind> kind;
  if (!args.kind_name.empty()) {
    kind = KindFromName(args.kind_name);
    if (!kind) return fail("unknown --kind '" + args.kind_name + "'");
  }
  if (mapping && mapping->kind) {
    if (kind && *kind != *mapping->kind) {
      return fail("--kind " + args.kind_name + " disagrees with the mapping's kind " +
                  std::string(KindName(*mapping->kind)));
    }
    kind = mapping->kind;
  }
  if (kind == EventKind::kDecision) {
    return fail("decisions are written by the engine (panorama serve), not ingested");
  }

  StoreOptions store_options;
  const std::optional<SyncPolicy> sync = ParseSyncFlag(args.sync);
  if (!sync) return fail("--sync must be batch, interval or none");
  store_options.log.sync = *sync;
  auto store = EventStore::Open(args.data_dir, store_options);
  if (!store.ok()) return fail(store.status().ToString());
  const OpenReport& opened = (*store)->open_report();
  PrintStoreRecovery(opened, std::cerr);

  auto tokenizer = PiiTokenizer::LoadOrCreate(PiiKeyPath(args.data_dir));
  if (!tokenizer.ok()) return fail(tokenizer.status().message());

  ReaderOptions options;
  options.kind = kind.value_or(EventKind::kTransaction);
  options.mapping = mapping ? &*mapping : nullptr;
  options.tokenizer = &*tokenizer;

  RejectFile rejects(args.rejects_path.empty() ? DefaultRejectsPath(args.data_dir)
                                               : args.rejects_path);
  std::vector<FileSummary> summaries;
  int exit_code = 0;
  for (const std::string& file : args.files) {
    FileSummary& summary = summaries.emplace_back();
    Status status = IngestFile(file, options, args.batch_size, **store, rejects, &summary);
    if (!status.ok()) {
      // The store failed: what was acknowledged is durable, the rest of the run is not.
      rejects.Close().IgnoreError();
      return fail(status.ToString());
    }
    if (!summary.error.empty()) {
      std::cerr << "panorama ingest: " << file << ": " << summary.error << "\n";
      exit_code = 1;
    }
  }
  Status closed = rejects.Close();
  if (!closed.ok()) return fail(closed.ToString());
  closed = (*store)->Close();
  if (!closed.ok()) return fail(closed.ToString());

  FileSummary total;
  for (const auto& s : summaries) {
    total.accepted += s.accepted;
    total.duplicates += s.duplicates;
    total.rejected += s.rejected;
    total.seconds += s.seconds;
  }
  std::cout << fmt::format("ingest into {} ({})\n", args.data_dir, KindName(options.kind));
  for (const auto& s : summaries) {
    if (!s.error.empty()) {
      std::cout << fmt::format("  {}: not loaded: {}\n", s.file, s.error);
      continue;
    }
    double rate =
        s.seconds > 0 ? static_cast<double>(s.accepted + s.duplicates + s.rejected) / s.seconds : 0;
    std::cout << fmt::format(
        "  {}: accepted {}, duplicates {}, rejected {} ({:.2f} s, {:.0f} records/s)\n", s.file,
        s.accepted, s.duplicates, s.rejected, s.seconds, rate);
    for (const auto& w : s.warnings) std::cout << "    warning: " << w << "\n";
  }
  std::cout << fmt::format("total: accepted {}, duplicates {}, rejected {}; log ends at seq {}\n",
                           total.accepted, total.duplicates, total.rejected, (*store)->last_seq());
  if (rejects.count() > 0) std::cout << "rejects written to " << rejects.path() << "\n";
  if (args.json) {
    nlohmann::json out = {{"accepted", total.accepted},
                          {"duplicates", total.duplicates},
                          {"rejected", total.rejected},
                          {"last_seq", (*store)->last_seq()},
                          {"kind", KindName(options.kind)},
                          {"rejects_file", rejects.count() > 0 ? rejects.path() : ""}};
    nlohmann::json files = nlohmann::json::array();
    for (const auto& s : summaries) {
      files.push_back({{"file", s.file},
                       {"accepted", s.accepted},
                       {"duplicates", s.duplicates},
                       {"rejected", s.rejected},
                       {"seconds", s.seconds},
                       {"error", s.error}});
    }
    out["files"] = std::move(files);
    std::cout << out.dump() << "\n";
  }
  return exit_code;
}

}  // namespace

void RegisterIngest(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ingest", "Load CSV or JSON Lines files into a data directory, exactly once");
  cmd->add_option("--data", args->data_dir, "data directory")->required();
  cmd->add_option("--kind", args->kind_name,
                  "transactions|labels|customers|merchants|loans|offers|posts "
                  "(default: the mapping's, else transactions)");
  cmd->add_option("--mapping", args->mapping_path, "column-mapping YAML for a foreign layout");
  cmd->add_option("--rejects", args->rejects_path,
                  "where to write rejected records (default: DATA/rejects/ingest-*.csv)");
  cmd->add_option("--sync", args->sync, kSyncFlagHelp);
  cmd->add_option("--batch", args->batch_size, "records per durable batch")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_flag("--json", args->json, "end with one JSON summary line");
  cmd->add_option("files", args->files, "input files")->required();
  cmd->callback([args, &exit_code] { exit_code = RunIngest(*args); });
}

}  // namespace panorama::cli
