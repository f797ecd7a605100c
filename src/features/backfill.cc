#include "features/backfill.h"

#include <absl/container/flat_hash_map.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <span>
#include <vector>

#include "core/event_codec.h"
#include "core/schema.h"
#include "features/internal/event_values.h"
#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::features {
namespace {

// The newest label of each tx_id in the log (by hash of the id): 0 or 1.
Status ReadLabels(const std::string& log_dir, absl::flat_hash_map<uint64_t, int8_t>* labels) {
  PANO_ASSIGN_OR_RETURN(auto reader, LogReader::OpenRange(log_dir, 1));
  LogRecord record;
  Event event;
  while (reader->Next(&record)) {
    if (record.kind != static_cast<uint8_t>(EventKind::kLabel)) continue;
    PANO_RETURN_IF_ERROR(DecodeEvent(record.payload, &event)
                             .WithContext("log record " + std::to_string(record.seq)));
    if (!event.has(label::kIsFraud)) continue;
    (*labels)[internal::HashBytes(event.id())] = event.num(label::kIsFraud) != 0 ? 1 : 0;
  }
  return reader->status();
}

void AppendCsvText(std::string_view text, std::string* out) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

std::string CsvHeader(const FeatureSpec& spec, bool labels) {
  std::string out = "tx_id,ts";
  for (const FeatureDef& f : spec.features) out += "," + f.name;
  if (labels) out += ",is_fraud";
  out += '\n';
  return out;
}

void AppendCsvRow(const Event& tx, std::span<const double> features, bool labels, int label,
                  std::string* out) {
  AppendCsvText(tx.id(), out);
  out->push_back(',');
  AppendIso8601(tx.ts(), out);
  char buffer[64];
  for (double value : features) {
    out->push_back(',');
    if (std::isnan(value)) continue;
    // Whole numbers as integers (never "1e+05"); others in the shortest exact form.
    constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
    char* end = nullptr;
    if (std::fabs(value) < kExactIntegers && value == std::trunc(value)) {
      end = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(value)).ptr;
    } else {
      end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    }
    out->append(buffer, static_cast<size_t>(end - buffer));
  }
  if (labels) {
    out->push_back(',');
    if (label >= 0) out->push_back(label != 0 ? '1' : '0');
  }
  out->push_back('\n');
}

Status Backfill(const std::string& data_dir, const FeatureSpec& spec,
                const BackfillOptions& options, const RowSink& sink, BackfillCounts* counts) {
  *counts = BackfillCounts{};
  const std::string log_dir = LogDir(data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(log_dir, ec)) {
    return Status::NotFound("no log in data directory " + data_dir);
  }
  absl::flat_hash_map<uint64_t, int8_t> labels;
  if (options.labels) PANO_RETURN_IF_ERROR(ReadLabels(log_dir, &labels));

  EngineOptions engine_options;
  engine_options.state_dir = options.scratch_dir;
  engine_options.memory_budget_bytes = options.memory_budget_bytes;
  if (!options.scratch_dir.empty()) {
    std::filesystem::remove_all(options.scratch_dir, ec);
  }
  Status status = [&]() -> Status {
    PANO_ASSIGN_OR_RETURN(auto engine, FeatureEngine::Open(spec, engine_options));
    PANO_ASSIGN_OR_RETURN(auto reader, LogReader::OpenRange(log_dir, 1));
    // Transactions go to the engine in batches, so that it loads the state of the coming
    // ones into the cache while it updates the current one.
    constexpr size_t kBatch = 128;
    const size_t width = engine->width();
    std::vector<Event> events(kBatch);
    std::vector<uint64_t> seqs(kBatch);
    std::vector<Status> statuses(kBatch);
    std::vector<double> values(kBatch * width);
    LogRecord record;
    bool more = true;
    while (more) {
      size_t n = 0;
      while (n < kBatch) {
        if (!reader->Next(&record)) {
          more = false;
          break;
        }
        ++counts->records;
        if (record.kind != static_cast<uint8_t>(EventKind::kTransaction)) continue;
        PANO_RETURN_IF_ERROR(DecodeEvent(record.payload, &events[n])
                                 .WithContext("log record " + std::to_string(record.seq)));
        seqs[n++] = record.seq;
      }
      PANO_RETURN_IF_ERROR(engine->UpdateBatch(std::span(events).first(n), std::span(seqs).first(n),
                                               values, std::span(statuses).first(n)));
      for (size_t i = 0; i < n; ++i) {
        const Event& event = events[i];
        if (statuses[i].code() == StatusCode::kOutOfRange) {
          ++counts->rejected_late;
          continue;
        }
        ++counts->transactions;
        if (event.ts() < options.from || event.ts() >= options.to) continue;
        int label = -1;
        if (options.labels) {
          auto it = labels.find(internal::HashBytes(event.id()));
          if (it != labels.end()) {
            label = static_cast<unsigned char>(it->second);
            ++counts->labelled;
          }
        }
        PANO_RETURN_IF_ERROR(sink(event, std::span(values).subspan(i * width, width), label));
        ++counts->rows;
      }
    }
    counts->engine = engine->counters();
    return reader->status();
  }();
  if (!options.scratch_dir.empty()) std::filesystem::remove_all(options.scratch_dir, ec);
  return status;
}

}  // namespace panorama::features
