// Shared checks of the fuzz targets.
#pragma once

#include <cstdlib>
#include <string_view>

#include "core/event.h"
#include "ingest/record_reader.h"

namespace panorama::fuzz {

inline void Require(bool condition) {
  if (!condition) __builtin_trap();
}

// Reads everything; traps unless every record yields one outcome with a growing line
// number and a bounded raw record.
inline void Drain(RecordReader& reader, std::string_view data) {
  Event event;
  Reject reject;
  uint64_t last_reject_line = 0;
  size_t outcomes = 0;
  size_t newlines = 0;
  for (char ch : data) newlines += ch == '\n' ? 1 : 0;
  while (true) {
    RecordReader::Outcome outcome = reader.Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    ++outcomes;
    Require(outcomes <= newlines + 1);
    if (outcome == RecordReader::Outcome::kReject) {
      Require(reject.line > last_reject_line);
      Require(reject.record.size() <= 1024);
      Require(!reject.reason.empty());
      last_reject_line = reject.line;
    } else {
      Require(event.has(0) && event.has(1));
      Require(!event.id().empty());
      (void)event.DebugString();
    }
  }
  Require(reader.Next(&event, &reject) == RecordReader::Outcome::kEnd);
}

}  // namespace panorama::fuzz
