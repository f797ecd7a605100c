// Deterministic synthetic canonical transaction CSV for tests that need volume.
#pragma once

#include <cstdint>
#include <string>

namespace panorama::testing {

struct SyntheticCsvStats {
  uint64_t rows = 0;        // data rows written
  uint64_t distinct = 0;    // distinct valid tx_ids
  uint64_t duplicates = 0;  // rows repeating an earlier valid tx_id
  uint64_t bad = 0;         // rows that must be rejected
};

// Writes `distinct` valid transactions to `path` in canonical CSV, with roughly one row in a
// hundred repeating an earlier transaction and one in a thousand invalid (unknown currency).
// Same seed, same bytes.
SyntheticCsvStats WriteSyntheticTransactions(const std::string& path, uint64_t distinct,
                                             uint64_t seed);

}  // namespace panorama::testing
