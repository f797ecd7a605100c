// What the commands that write a data directory (`panorama ingest`, `panorama serve`) share
// about its store: the --sync flag and the report of what opening it recovered.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::cli {

inline constexpr const char* kSyncFlagHelp =
    "Log sync policy: batch (fsync each batch before acknowledging it; the default), "
    "interval (fsync every 100 ms), none (left to the OS)";

// "batch", "interval" or "none"; nullopt for anything else.
std::optional<SyncPolicy> ParseSyncFlag(std::string_view text);

// One "recovered: ..." line per thing opening the store repaired (a torn log tail cut, the
// id index rebuilt or brought up to date); nothing when the store was sound.
void PrintStoreRecovery(const OpenReport& report, std::ostream& out);

}  // namespace panorama::cli
