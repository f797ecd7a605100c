// panorama generate: a seeded, agent-based simulation of one coherent financial world —
// customers, merchants, their transactions, fraud and money laundering with ground truth,
// loans and their outcomes, marketing offers and responses, and public posts — written as
// files that `panorama ingest` loads unchanged. docs/generator.md describes every behaviour.
//
// Contract: the same options give the same bytes; transactions are written in time order;
// memory does not grow with `days` (the world is simulated and written one day at a time).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace panorama::generate {

enum class OutputFormat : uint8_t { kCsv, kJsonl };

struct WorldOptions {
  int64_t customers = 10'000;
  int64_t merchants = 1'000;
  int days = 90;
  Timestamp start = 0;  // UTC midnight of the first day; 0 means 2026-10-01
  uint64_t seed = 1;
  // Share of transactions that are card or account fraud (all fraud patterns together).
  double fraud_rate = 0.002;
  // Share of customers who launder money through one of the typologies during the world.
  double aml_rate = 0.001;
  // Multiplies the rate at which loans are applied for (tests raise it to get more loans).
  double loan_rate = 1.0;
  OutputFormat format = OutputFormat::kCsv;
};

// Checks ranges: customers in [10, 50'000'000], merchants in [10, 5'000'000], days in
// [1, 3660], rates in [0, 0.2], loan_rate in [0, 100].
Status ValidateOptions(const WorldOptions& options);

struct OutputFile {
  std::string kind;  // the `panorama ingest --kind` value: "transactions", "labels", ...
  std::string file;  // name inside the output directory
  uint64_t records = 0;
};

// A dated happening in the world that posts react to (tests and docs use it as ground truth).
struct Incident {
  std::string type;  // "outage", "fraud_wave", "merchant_failure", "data_breach"
  Timestamp start = 0;
  Timestamp end = 0;
  std::string subject;  // what it concerns: "BANK:PANO", "MERCHANT:M000123", ...
};

struct WorldSummary {
  std::vector<OutputFile> files;                // one per kind, in kAllEventKinds order
  std::map<std::string, uint64_t> patterns;     // labelled transactions per pattern name
  std::map<std::string, uint64_t> loan_status;  // final loan records per status
  std::vector<Incident> incidents;
  uint64_t transactions = 0;
  uint64_t fraud_transactions = 0;  // all fraud patterns (not money laundering)
  uint64_t aml_transactions = 0;
  Timestamp end = 0;  // exclusive end of the simulated period
};

// Simulates the world and writes one file per kind plus `manifest.json` into `out_dir`
// (created if missing; existing files of the same names are replaced).
Result<WorldSummary> GenerateWorld(const WorldOptions& options, const std::string& out_dir);

}  // namespace panorama::generate
