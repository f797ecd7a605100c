#include "cli/store_flags.h"

#include <fmt/format.h>

namespace panorama::cli {

std::optional<SyncPolicy> ParseSyncFlag(std::string_view text) {
  if (text == "batch") return SyncPolicy::kEveryBatch;
  if (text == "interval") return SyncPolicy::kInterval;
  if (text == "none") return SyncPolicy::kNone;
  return std::nullopt;
}

void PrintStoreRecovery(const OpenReport& report, std::ostream& out) {
  if (report.log.tail_truncated) {
    out << fmt::format("recovered: torn log tail of {} bytes truncated at {}\n",
                       report.log.truncated_bytes, report.log.truncated_at);
  }
  if (report.index_rebuilt) {
    out << "recovered: the id index held records lost with the torn tail; rebuilt it from the "
           "log\n";
  }
  if (report.index_replayed > 0) {
    out << fmt::format("recovered: {} log records replayed into the id index\n",
                       report.index_replayed);
  }
}

}  // namespace panorama::cli
