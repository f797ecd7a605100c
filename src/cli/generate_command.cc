// panorama generate: simulate a financial world and write it as files `panorama ingest` loads.
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/time.h"
#include "generate/generate.h"

namespace panorama::cli {
namespace {

// Option values are taken as text and parsed here, so that every bad value gets the same
// one-line treatment (exit code 2) rather than CLI11's own messages and codes.
struct GenerateArgs {
  std::string out_dir;
  std::string customers, merchants, days, start, seed, fraud_rate, aml_rate, loan_rate;
  std::string format = "csv";
  bool json = false;
};

constexpr int kBadArguments = 2;

template <typename T>
Status ParseNumber(const std::string& flag, const std::string& text, T* out) {
  if (text.empty()) return Status::Ok();  // not given: keep the default
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(flag + " expects a number, got '" + text + "'");
  }
  *out = value;
  return Status::Ok();
}

Status ParseArgs(const GenerateArgs& args, generate::WorldOptions* options) {
  PANO_RETURN_IF_ERROR(ParseNumber("--customers", args.customers, &options->customers));
  PANO_RETURN_IF_ERROR(ParseNumber("--merchants", args.merchants, &options->merchants));
  PANO_RETURN_IF_ERROR(ParseNumber("--days", args.days, &options->days));
  PANO_RETURN_IF_ERROR(ParseNumber("--seed", args.seed, &options->seed));
  PANO_RETURN_IF_ERROR(ParseNumber("--fraud-rate", args.fraud_rate, &options->fraud_rate));
  PANO_RETURN_IF_ERROR(ParseNumber("--aml-rate", args.aml_rate, &options->aml_rate));
  PANO_RETURN_IF_ERROR(ParseNumber("--loan-rate", args.loan_rate, &options->loan_rate));
  if (!args.start.empty()) {
    auto start = args.start.size() == 10 ? ParseIso8601(args.start)
                                         : Result<Timestamp>(Status::InvalidArgument(""));
    if (!start.ok()) {
      return Status::InvalidArgument("--start expects a date YYYY-MM-DD, got '" + args.start + "'");
    }
    options->start = *start;
  }
  if (args.format == "csv") {
    options->format = generate::OutputFormat::kCsv;
  } else if (args.format == "jsonl") {
    options->format = generate::OutputFormat::kJsonl;
  } else {
    return Status::InvalidArgument("--format must be csv or jsonl, got '" + args.format + "'");
  }
  return generate::ValidateOptions(*options);
}

int RunGenerate(const GenerateArgs& args) {
  generate::WorldOptions options;
  Status parsed = ParseArgs(args, &options);
  if (!parsed.ok()) {
    std::cerr << "panorama generate: " << parsed.message() << "\n";
    return kBadArguments;
  }
  const auto begin = std::chrono::steady_clock::now();
  auto summary = generate::GenerateWorld(options, args.out_dir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!summary.ok()) {
    std::cerr << "panorama generate: " << summary.status().message() << "\n";
    return 1;
  }
  const double rate = seconds > 0 ? static_cast<double>(summary->transactions) / seconds : 0;
  const Timestamp start = summary->end - options.days * kMicrosPerDay;

  std::cout << fmt::format("generated {} days from {} (seed {}) into {}\n", options.days,
                           FormatDate(start), options.seed, args.out_dir);
  for (const auto& file : summary->files) {
    std::cout << fmt::format("  {:<20} {:>12} {}\n", file.file, file.records, file.kind);
  }
  std::cout << fmt::format("  {:<20} {:>12}\n", "manifest.json", "");
  std::cout << fmt::format("transactions {}: fraud {}, money laundering {}\n",
                           summary->transactions, summary->fraud_transactions,
                           summary->aml_transactions);
  std::string patterns;
  for (const auto& [name, count] : summary->patterns) {
    patterns += fmt::format("{}{} {}", patterns.empty() ? "" : ", ", name, count);
  }
  std::cout << "patterns: " << patterns << "\n";
  std::string loans;
  for (const auto& [status, count] : summary->loan_status) {
    loans += fmt::format("{}{} {}", loans.empty() ? "" : ", ", status, count);
  }
  std::cout << "loans: " << (loans.empty() ? "none" : loans) << "\n";
  std::cout << fmt::format("incidents: {}\n", summary->incidents.size());
  std::cout << fmt::format("elapsed {:.2f} s, {:.0f} transactions/s\n", seconds, rate);

  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& file : summary->files) {
      files.push_back({{"kind", file.kind}, {"file", file.file}, {"records", file.records}});
    }
    nlohmann::json out = {{"out", args.out_dir},
                          {"files", std::move(files)},
                          {"transactions", summary->transactions},
                          {"fraud_transactions", summary->fraud_transactions},
                          {"aml_transactions", summary->aml_transactions},
                          {"patterns", summary->patterns},
                          {"loan_status", summary->loan_status},
                          {"incidents", summary->incidents.size()},
                          {"seconds", seconds},
                          {"transactions_per_second", rate}};
    std::cout << out.dump() << "\n";
  }
  return 0;
}

}  // namespace

void RegisterGenerate(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "generate", "Simulate a financial world and write it as files `panorama ingest` loads");
  cmd->add_option("--out", args->out_dir, "output directory (created if missing)")->required();
  cmd->add_option("--customers", args->customers, "customers, 10 .. 50000000 (default 10000)");
  cmd->add_option("--merchants", args->merchants, "merchants, 10 .. 5000000 (default 1000)");
  cmd->add_option("--days", args->days, "days simulated, 1 .. 3660 (default 90)");
  cmd->add_option("--start", args->start, "first day, YYYY-MM-DD (default 2026-10-01)");
  cmd->add_option("--seed", args->seed, "random seed (default 1)");
  cmd->add_option("--fraud-rate", args->fraud_rate,
                  "share of transactions that are fraud, 0 .. 0.2 (default 0.002)");
  cmd->add_option("--aml-rate", args->aml_rate,
                  "share of customers who launder money, 0 .. 0.2 (default 0.001)");
  cmd->add_option("--loan-rate", args->loan_rate,
                  "multiplier of the loan application rate, 0 .. 100 (default 1)");
  cmd->add_option("--format", args->format, "csv (default) or jsonl");
  cmd->add_flag("--json", args->json, "end with one JSON summary line");
  cmd->callback([args, &exit_code] { exit_code = RunGenerate(*args); });
}

}  // namespace panorama::cli
