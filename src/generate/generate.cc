// GenerateWorld: checks the options, opens one file per kind, runs the day loop (world.cc),
// closes the files and writes manifest.json.
#include "generate/generate.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

#include "core/schema.h"
#include "generate/internal/world_run.h"

namespace panorama::generate {
namespace {

// Bumped whenever the same options stop giving the same bytes.
constexpr int kWorldModelVersion = 1;
constexpr const char* kProgram = "panorama 0.1.0";

// The first and last allowed start dates: late enough that every birth year and join date
// stays within the schema's range, early enough that the end does too.
constexpr int64_t kFirstStartDay = 10'957;  // 2000-01-01
constexpr int64_t kLastStartDay = 47'482;   // 2100-01-01

template <typename T>
Status CheckRange(const char* name, T value, T lo, T hi) {
  if (value >= lo && value <= hi) return Status::Ok();  // false for NaN
  return Status::InvalidArgument(
      fmt::format("{} must be in [{}, {}], got {}", name, lo, hi, value));
}

std::string Extension(OutputFormat format) {
  return format == OutputFormat::kCsv ? ".csv" : ".jsonl";
}

Result<std::unique_ptr<BlockFile>> Create(const std::string& dir, const std::string& name) {
  return BlockFile::Create(dir + "/" + name);
}

nlohmann::json BuildManifest(const WorldOptions& options, const WorldSummary& summary,
                             const RunStats& stats) {
  using nlohmann::json;
  const std::string format = options.format == OutputFormat::kCsv ? "csv" : "jsonl";
  json files = json::array();
  for (const OutputFile& file : summary.files) {
    files.push_back(
        {{"kind", file.kind},
         {"file", file.file},
         {"records", file.records},
         {"ingest", "panorama ingest --data DATA --kind " + file.kind + " " + file.file}});
  }
  json incidents = json::array();
  for (const Incident& incident : summary.incidents) {
    incidents.push_back({{"type", incident.type},
                         {"start", FormatIso8601(incident.start)},
                         {"end", FormatIso8601(incident.end)},
                         {"subject", incident.subject}});
  }
  json manifest = {
      {"generator", {{"program", kProgram}, {"model_version", kWorldModelVersion}}},
      {"options",
       {{"customers", options.customers},
        {"merchants", options.merchants},
        {"days", options.days},
        {"start", FormatDate(options.start)},
        {"seed", options.seed},
        {"fraud_rate", options.fraud_rate},
        {"aml_rate", options.aml_rate},
        {"loan_rate", options.loan_rate},
        {"format", format}}},
      {"start", FormatIso8601(options.start)},
      {"end", FormatIso8601(summary.end)},
      {"seed", options.seed},
      {"files", std::move(files)},
      {"patterns", summary.patterns},
      {"loan_status", summary.loan_status},
      {"incidents", std::move(incidents)},
      {"totals",
       {{"transactions", summary.transactions},
        {"fraud_transactions", summary.fraud_transactions},
        {"aml_transactions", summary.aml_transactions},
        {"fraud_labels", stats.fraud_labels},
        {"cleared_labels", stats.cleared_labels},
        {"dispute_labels", stats.dispute_labels},
        {"customers_joined_inside", stats.customers_joined},
        {"merchants_opened_inside", stats.merchants_opened}}},
      {"ingest_note",
       "run each `ingest` command in this directory with DATA replaced by the data directory"},
  };
  return manifest;
}

}  // namespace

Status ValidateOptions(const WorldOptions& options) {
  PANO_RETURN_IF_ERROR(CheckRange<int64_t>("customers", options.customers, 10, 50'000'000));
  PANO_RETURN_IF_ERROR(CheckRange<int64_t>("merchants", options.merchants, 10, 5'000'000));
  PANO_RETURN_IF_ERROR(CheckRange<int64_t>("days", options.days, 1, 3660));
  PANO_RETURN_IF_ERROR(CheckRange("fraud_rate", options.fraud_rate, 0.0, 0.2));
  PANO_RETURN_IF_ERROR(CheckRange("aml_rate", options.aml_rate, 0.0, 0.2));
  PANO_RETURN_IF_ERROR(CheckRange("loan_rate", options.loan_rate, 0.0, 100.0));
  if (options.start != 0) {
    if (options.start % kMicrosPerDay != 0) {
      return Status::InvalidArgument("start must be a UTC midnight");
    }
    const int64_t day = options.start / kMicrosPerDay;
    if (day < kFirstStartDay || day > kLastStartDay) {
      return Status::InvalidArgument("start must be between 2000-01-01 and 2100-01-01, got " +
                                     FormatDate(options.start));
    }
  }
  if (options.format != OutputFormat::kCsv && options.format != OutputFormat::kJsonl) {
    return Status::InvalidArgument("format must be csv or jsonl");
  }
  return Status::Ok();
}

Result<WorldSummary> GenerateWorld(const WorldOptions& options, const std::string& out_dir) {
  PANO_RETURN_IF_ERROR(ValidateOptions(options));
  WorldOptions resolved = options;
  if (resolved.start == 0) resolved.start = DefaultStart();

  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) return Status::IOError("cannot create directory " + out_dir + ": " + error.message());
  if (!std::filesystem::is_directory(out_dir, error)) {
    return Status::IOError(out_dir + " is not a directory");
  }

  const std::string ext = Extension(resolved.format);
  auto name = [&ext](EventKind kind) { return std::string(SchemaFor(kind).plural) + ext; };
  WorldOutputs out;
  {
    PANO_ASSIGN_OR_RETURN(auto file, Create(out_dir, name(EventKind::kTransaction)));
    out.transactions = std::make_unique<TxWriter>(std::move(file), resolved.format);
  }
  struct Slot {
    EventKind kind;
    std::unique_ptr<EventStream>* stream;
  };
  const Slot slots[] = {
      {EventKind::kLabel, &out.labels},       {EventKind::kCustomer, &out.customers},
      {EventKind::kMerchant, &out.merchants}, {EventKind::kLoan, &out.loans},
      {EventKind::kOffer, &out.offers},       {EventKind::kPost, &out.posts}};
  for (const Slot& slot : slots) {
    PANO_ASSIGN_OR_RETURN(auto file, Create(out_dir, name(slot.kind)));
    *slot.stream = std::make_unique<EventStream>(slot.kind, std::move(file), resolved.format);
  }

  WorldSummary summary;
  RunStats stats;
  PANO_RETURN_IF_ERROR(RunWorld(resolved, out, &summary, &stats));

  // Labels may be dated after the end (they are ground truth): everything queued goes out.
  summary.files.push_back(
      {"transactions", name(EventKind::kTransaction), out.transactions->written()});
  PANO_RETURN_IF_ERROR(out.transactions->Close());
  for (const Slot& slot : slots) {
    PANO_RETURN_IF_ERROR((*slot.stream)->Close());
    summary.files.push_back(
        {std::string(SchemaFor(slot.kind).plural), name(slot.kind), (*slot.stream)->written()});
  }

  const std::string manifest = BuildManifest(resolved, summary, stats).dump(2) + "\n";
  PANO_ASSIGN_OR_RETURN(auto file, Create(out_dir, "manifest.json"));
  file->Append(manifest);
  PANO_RETURN_IF_ERROR(file->Close());
  return summary;
}

}  // namespace panorama::generate
