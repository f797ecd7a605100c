// panorama features: back-fill point-in-time features from a data directory's log, run the
// feature engine over the log with crash-proof checkpoints, and show an entity's features.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "core/event_codec.h"
#include "core/time.h"
#include "features/backfill.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr int kShownRejects = 20;

std::atomic<bool> g_stop{false};
void OnStopSignal(int /*signal*/) { g_stop = true; }

int Fail(std::string_view command, const Status& status) {
  std::cerr << "panorama features " << command << ": " << status.ToString() << "\n";
  return 1;
}

Result<Timestamp> ParseTimeArg(const std::string& text, std::string_view flag) {
  auto ts = ParseIso8601(text);
  if (!ts.ok()) {
    return Status::InvalidArgument(std::string(flag) + ": " + ts.status().message());
  }
  return *ts;
}

// Writes `bytes` to fd in full.
Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("cannot write " + path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// ---- backfill ------------------------------------------------------------------------

struct BackfillArgs {
  std::string data_dir, spec_path, out, from, to;
  bool no_labels = false;
  uint64_t memory_mb = 1024;
  bool json = false;
};

int RunBackfill(const BackfillArgs& args) {
  auto spec = features::LoadFeatureSpec(args.spec_path);
  if (!spec.ok()) return Fail("backfill", spec.status());
  features::BackfillOptions options;
  options.labels = !args.no_labels;
  options.memory_budget_bytes = args.memory_mb << 20;
  options.scratch_dir =
      StateDir(args.data_dir) + "/features/.backfill-" + std::to_string(::getpid());
  if (!args.from.empty()) {
    auto from = ParseTimeArg(args.from, "--from");
    if (!from.ok()) return Fail("backfill", from.status());
    options.from = *from;
  }
  if (!args.to.empty()) {
    auto to = ParseTimeArg(args.to, "--to");
    if (!to.ok()) return Fail("backfill", to.status());
    options.to = *to;
  }
  // A regular file is written to a temporary file and renamed at the end, so F.csv is
  // never half-written; '-', a device or a pipe (say /dev/null) is written directly.
  std::error_code kind_ec;
  auto out_status = std::filesystem::status(args.out, kind_ec);
  const bool to_stdout = args.out == "-";
  const bool direct = to_stdout || (std::filesystem::exists(out_status) &&
                                    !std::filesystem::is_regular_file(out_status));
  const std::string tmp = args.out + ".tmp-" + std::to_string(::getpid());
  int fd = to_stdout ? STDOUT_FILENO
           : direct  ? ::open(args.out.c_str(), O_WRONLY)
                     : ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return Fail("backfill", Status::FromErrno("cannot create " + (direct ? args.out : tmp), errno));
  }
  std::string buffer = features::CsvHeader(*spec, options.labels);
  auto started = std::chrono::steady_clock::now();
  features::BackfillCounts counts;
  Status status = features::Backfill(
      args.data_dir, *spec, options,
      [&](const Event& tx, std::span<const double> values, int label) -> Status {
        features::AppendCsvRow(tx, values, options.labels, label, &buffer);
        if (buffer.size() < kFlushBytes) return Status::Ok();
        Status written = WriteAll(fd, buffer, args.out);
        buffer.clear();
        return written;
      },
      &counts);
  if (status.ok()) status = WriteAll(fd, buffer, args.out);
  if (direct && !to_stdout) ::close(fd);
  if (!direct) {
    if (status.ok() && ::fsync(fd) != 0) status = Status::FromErrno("cannot sync " + tmp, errno);
    ::close(fd);
    if (status.ok() && ::rename(tmp.c_str(), args.out.c_str()) != 0) {
      status = Status::FromErrno("cannot rename " + tmp + " to " + args.out, errno);
    }
    if (!status.ok()) ::unlink(tmp.c_str());
  }
  if (!status.ok()) return Fail("backfill", status);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (args.json) {
    nlohmann::json out = {{"records", counts.records},
                          {"transactions", counts.transactions},
                          {"rows", counts.rows},
                          {"labelled", counts.labelled},
                          {"rejected_late", counts.rejected_late},
                          {"features", spec->features.size()},
                          {"seconds", seconds},
                          {"entities_in_memory", counts.engine.entities_in_memory},
                          {"state_bytes", counts.engine.state_bytes},
                          {"evictions", counts.engine.evictions},
                          {"reloads", counts.engine.reloads}};
    (to_stdout ? std::cerr : std::cout) << out.dump() << "\n";
  } else {
    (to_stdout ? std::cerr : std::cout) << fmt::format(
        "back-filled {} features for {} transactions ({} labelled) into {} in {:.2f} s; "
        "{} log records read, {} transactions rejected as too late\n",
        spec->features.size(), counts.rows, counts.labelled, args.out, seconds, counts.records,
        counts.rejected_late);
  }
  return 0;
}

// ---- run -----------------------------------------------------------------------------

struct RunArgs {
  std::string data_dir, spec_path, out;
  uint64_t checkpoint_every = 100'000;
  uint64_t memory_mb = 1024;
  bool reset = false;
  bool follow = false;
  bool json = false;
};

int RunRun(const RunArgs& args) {
  auto spec = features::LoadFeatureSpec(args.spec_path);
  if (!spec.ok()) return Fail("run", spec.status());
  const std::string state_dir = features::FeatureStateDir(args.data_dir, spec->name);
  // One `features run` per spec and data directory: the lock beside the state directory
  // is held for the whole run, so --reset never removes the state of a running engine.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(state_dir).parent_path(), ec);
  const std::string lock_path = state_dir + ".lock";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return Fail("run", Status::FromErrno("cannot open " + lock_path, errno));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return Fail("run", Status::FailedPrecondition("feature state " + state_dir +
                                                  " is in use by another process"));
  }
  struct LockGuard {
    int fd;
    ~LockGuard() { ::close(fd); }
  } lock_guard{lock_fd};
  if (args.reset) std::filesystem::remove_all(state_dir, ec);
  features::EngineOptions options;
  options.state_dir = state_dir;
  options.memory_budget_bytes = std::max<uint64_t>(args.memory_mb, 1) << 20;
  auto engine = features::FeatureEngine::Open(*spec, options);
  if (!engine.ok()) return Fail("run", engine.status());
  features::FeatureEngine& fe = **engine;
  const uint64_t resumed_from = fe.restored().seq;

  // The output holds exactly the rows of the checkpointed state: anything past the offset
  // the checkpoint recorded was written after it and is written again by the replay.
  int fd = -1;
  uint64_t offset = 0;
  if (!args.out.empty()) {
    fd = ::open(args.out.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0) return Fail("run", Status::FromErrno("cannot open " + args.out, errno));
    offset = fe.restored().output_offset;
    off_t size = ::lseek(fd, 0, SEEK_END);
    if (resumed_from > 0 && static_cast<uint64_t>(size) < offset) {
      return Fail("run", Status::Corruption(fmt::format(
                             "{} holds {} bytes but the checkpoint at log record {} recorded {}; "
                             "it was changed outside panorama (use --reset to start over)",
                             args.out, size, resumed_from, offset)));
    }
    if (resumed_from == 0) offset = 0;
    if (::ftruncate(fd, static_cast<off_t>(offset)) != 0 ||
        ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
      return Fail("run", Status::FromErrno("cannot truncate " + args.out, errno));
    }
    if (offset == 0) {
      std::string header = features::CsvHeader(*spec, false);
      Status written = WriteAll(fd, header, args.out);
      if (!written.ok()) return Fail("run", written);
      offset = header.size();
    }
  }

  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  std::string buffer;
  uint64_t since_checkpoint = 0;
  uint64_t rows = 0;
  int shown_rejects = 0;
  // Makes the rows written so far durable; returns the offset a checkpoint may record.
  auto flush = [&]() -> Result<uint64_t> {
    if (fd >= 0) {
      PANO_RETURN_IF_ERROR(WriteAll(fd, buffer, args.out));
      offset += buffer.size();
      buffer.clear();
      if (::fdatasync(fd) != 0) return Status::FromErrno("cannot sync " + args.out, errno);
    }
    return offset;
  };
  fe.SetCheckpointHook(flush);
  auto checkpoint = [&]() -> Status {
    PANO_ASSIGN_OR_RETURN(uint64_t durable, flush());
    since_checkpoint = 0;
    return fe.Checkpoint(durable);
  };
  Status status = [&]() -> Status {
    // Records go to the engine in batches (UpdateBatch prefetches the state of the coming
    // ones); a checkpoint falls between batches, after the rows of all their records.
    constexpr size_t kBatch = 256;
    std::vector<Event> events(kBatch);
    std::vector<uint64_t> seqs(kBatch);
    std::vector<Status> statuses(kBatch);
    std::vector<double> batch_values(kBatch * fe.width());
    LogRecord record;
    while (!g_stop) {
      PANO_ASSIGN_OR_RETURN(auto reader,
                            LogReader::OpenRange(LogDir(args.data_dir), fe.last_seq() + 1));
      bool any = false;
      bool more = true;
      while (!g_stop && more) {
        size_t n = 0;
        while (n < kBatch) {
          if (!reader->Next(&record)) {
            more = false;
            break;
          }
          PANO_RETURN_IF_ERROR(DecodeEvent(record.payload, &events[n])
                                   .WithContext("log record " + std::to_string(record.seq)));
          seqs[n++] = record.seq;
        }
        if (n == 0) break;
        any = true;
        PANO_RETURN_IF_ERROR(fe.UpdateBatch(std::span(events).first(n), std::span(seqs).first(n),
                                            batch_values, std::span(statuses).first(n)));
        for (size_t i = 0; i < n; ++i) {
          if (statuses[i].code() == StatusCode::kOutOfRange) {
            if (shown_rejects++ < kShownRejects) {
              std::cerr << "panorama features run: log record " << seqs[i] << ": "
                        << statuses[i].message() << "\n";
            }
            continue;
          }
          if (events[i].kind() != EventKind::kTransaction) continue;
          ++rows;
          ++since_checkpoint;
          if (fd >= 0) {
            features::AppendCsvRow(events[i],
                                   std::span(batch_values).subspan(i * fe.width(), fe.width()),
                                   false, -1, &buffer);
          }
        }
        if (since_checkpoint >= args.checkpoint_every) PANO_RETURN_IF_ERROR(checkpoint());
      }
      PANO_RETURN_IF_ERROR(reader->status());
      if (!args.follow) break;
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return checkpoint();
  }();
  if (fd >= 0) ::close(fd);
  if (!status.ok()) return Fail("run", status);
  auto counters = fe.counters();
  if (args.json) {
    nlohmann::json out = {{"resumed_from_seq", resumed_from},
                          {"last_seq", fe.last_seq()},
                          {"rows", rows},
                          {"applied_total", counters.applied},
                          {"rejected_late_total", counters.rejected_late},
                          {"checkpoints", counters.checkpoints},
                          {"evictions", counters.evictions},
                          {"reloads", counters.reloads}};
    std::cout << out.dump() << "\n";
  } else {
    std::string applied =
        fe.last_seq() > resumed_from
            ? fmt::format("applied log records {}..{}", resumed_from + 1, fe.last_seq())
            : fmt::format("up to date at log record {}", fe.last_seq());
    std::cout << fmt::format(
        "features '{}': {} ({} transactions this run), state in {}; "
        "{} transactions rejected as too late in all\n",
        spec->name, applied, rows, state_dir, counters.rejected_late);
  }
  return 0;
}

// ---- show ----------------------------------------------------------------------------

struct ShowArgs {
  std::string data_dir, spec_path;
  std::vector<std::string> entity;
  bool json = false;
};

int RunShow(const ShowArgs& args) {
  auto spec = features::LoadFeatureSpec(args.spec_path);
  if (!spec.ok()) return Fail("show", spec.status());
  // --entity customer_id=C1 [--entity merchant_id=M2]: match a keyspace by its fields.
  std::vector<std::pair<std::string, std::string>> given;
  for (const std::string& item : args.entity) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Fail("show",
                  Status::InvalidArgument("--entity takes FIELD=VALUE, not '" + item + "'"));
    }
    given.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  int keyspace = -1;
  std::vector<std::string_view> key;
  for (size_t k = 0; k < spec->keyspaces.size() && keyspace < 0; ++k) {
    const auto& fields = spec->keyspaces[k].fields;
    if (fields.size() != given.size()) continue;
    std::vector<std::string_view> values;
    for (int field : fields) {
      std::string_view name =
          SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)].name;
      for (const auto& [gname, gvalue] : given) {
        if (gname == name) values.push_back(gvalue);
      }
    }
    if (values.size() == fields.size()) {
      keyspace = static_cast<int>(k);
      key = values;
    }
  }
  if (keyspace < 0) {
    std::string list;
    for (const auto& ks : spec->keyspaces) list += (list.empty() ? "" : ", ") + ks.name;
    return Fail("show", Status::InvalidArgument("spec '" + spec->name +
                                                "' has no entity keyed by those fields; its "
                                                "entities are " +
                                                list));
  }

  // Start from the checkpoint of `features run` when there is one, then apply the rest of
  // the log in memory; the state on disk is only read.
  features::EngineOptions options;
  options.read_only = true;
  std::error_code ec;
  const std::string state_dir = features::FeatureStateDir(args.data_dir, spec->name);
  if (std::filesystem::exists(state_dir + "/CURRENT", ec)) options.state_dir = state_dir;
  auto engine = features::FeatureEngine::Open(*spec, options);
  if (!engine.ok()) return Fail("show", engine.status());
  features::FeatureEngine& fe = **engine;
  std::vector<double> values(fe.width());
  {
    auto reader = LogReader::OpenRange(LogDir(args.data_dir), fe.last_seq() + 1);
    if (!reader.ok()) return Fail("show", reader.status());
    Event event;
    LogRecord record;
    while ((*reader)->Next(&record)) {
      Status decoded = DecodeEvent(record.payload, &event);
      if (!decoded.ok())
        return Fail("show", decoded.WithContext("log record " + std::to_string(record.seq)));
      Status update = fe.Update(event, record.seq, values);
      if (!update.ok() && update.code() != StatusCode::kOutOfRange) return Fail("show", update);
    }
    if (!(*reader)->status().ok()) return Fail("show", (*reader)->status());
  }
  Status found = fe.EntityFeatures(keyspace, key, values);
  if (!found.ok()) {
    if (found.code() == StatusCode::kNotFound) {
      std::cerr << "panorama features show: no events for "
                << spec->keyspaces[static_cast<size_t>(keyspace)].name << " = "
                << fmt::format("{}", fmt::join(key, "+")) << " in " << args.data_dir << "\n";
      return 1;
    }
    return Fail("show", found);
  }
  const std::string as_of =
      fe.max_ts() == std::numeric_limits<int64_t>::min() ? "" : FormatIso8601(fe.max_ts());
  if (args.json) {
    nlohmann::json features = nlohmann::json::object();
    for (size_t i = 0; i < spec->features.size(); ++i) {
      const auto& def = spec->features[i];
      if (def.keyspace != keyspace) continue;
      features[def.name] =
          std::isnan(values[i]) ? nlohmann::json(nullptr) : nlohmann::json(values[i]);
    }
    nlohmann::json out = {{"entity", spec->keyspaces[static_cast<size_t>(keyspace)].name},
                          {"key", fmt::format("{}", fmt::join(key, "+"))},
                          {"as_of", as_of},
                          {"last_seq", fe.last_seq()},
                          {"features", features}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} = {}   (as of {}, log record {})\n",
                           spec->keyspaces[static_cast<size_t>(keyspace)].name, fmt::join(key, "+"),
                           as_of, fe.last_seq());
  for (size_t i = 0; i < spec->features.size(); ++i) {
    const auto& def = spec->features[i];
    if (def.keyspace != keyspace) continue;
    std::string value = "-";
    if (!std::isnan(values[i])) {
      value.clear();
      features::AppendFeatureValue(values[i], &value);
    }
    std::string what = std::string(features::AggregationName(def.aggregation));
    if (def.window != features::kLifetime) what += " " + features::FormatDuration(def.window);
    if (!def.filter_text.empty()) what += " where " + def.filter_text;
    std::cout << fmt::format("  {:<40} {:>16}   {}\n", def.name, value, what);
  }
  return 0;
}

}  // namespace

void RegisterFeatures(CLI::App& app, int& exit_code) {
  CLI::App* features = app.add_subcommand("features", "Compute entity window features");
  features->require_subcommand(1);

  auto backfill = std::make_shared<BackfillArgs>();
  CLI::App* b = features->add_subcommand(
      "backfill", "Write the point-in-time features of every transaction (a training set)");
  b->add_option("--data", backfill->data_dir, "data directory")->required();
  b->add_option("--spec", backfill->spec_path, "feature spec (YAML)")->required();
  b->add_option("--out", backfill->out, "output CSV ('-' for standard output)")->required();
  b->add_option("--from", backfill->from, "only transactions at or after this time (ISO 8601)");
  b->add_option("--to", backfill->to, "only transactions before this time (ISO 8601)");
  b->add_flag("--no-labels", backfill->no_labels, "leave out the is_fraud column");
  b->add_option("--memory-mb", backfill->memory_mb, "entity state kept in memory (default 1024)");
  b->add_flag("--json", backfill->json, "print the summary as JSON");
  b->callback([backfill, &exit_code] { exit_code = RunBackfill(*backfill); });

  auto run = std::make_shared<RunArgs>();
  CLI::App* r = features->add_subcommand(
      "run", "Apply the log to the feature state in DIR/state/features/<spec>, with checkpoints");
  r->add_option("--data", run->data_dir, "data directory")->required();
  r->add_option("--spec", run->spec_path, "feature spec (YAML)")->required();
  r->add_option("--out", run->out, "append each transaction's features to this CSV");
  r->add_option("--checkpoint-every", run->checkpoint_every,
                "transactions between checkpoints (default 100000)");
  r->add_option("--memory-mb", run->memory_mb, "entity state kept in memory (default 1024)");
  r->add_flag("--reset", run->reset, "discard the state and start from the first log record");
  r->add_flag("--follow", run->follow, "keep applying new log records until interrupted");
  r->add_flag("--json", run->json, "print the summary as JSON");
  r->callback([run, &exit_code] { exit_code = RunRun(*run); });

  auto show = std::make_shared<ShowArgs>();
  CLI::App* s = features->add_subcommand("show", "Print an entity's current features");
  s->add_option("--data", show->data_dir, "data directory")->required();
  s->add_option("--spec", show->spec_path, "feature spec (YAML)")->required();
  s->add_option("--entity", show->entity, "FIELD=VALUE, repeated for combined keys")->required();
  s->add_flag("--json", show->json, "print JSON");
  s->callback([show, &exit_code] { exit_code = RunShow(*show); });
}

}  // namespace panorama::cli
