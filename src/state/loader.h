// Loader: streams the records of a RecordReader into an EventStore in durable batches.
//
// Parsing and storing overlap: while one batch is being appended (written, fsync'ed and
// indexed) on a background thread, the caller's thread parses the next, so a load runs at
// the speed of the slower of the two rather than their sum. Batches are appended in input
// order, so the log holds accepted records in the order of the file.
#pragma once

#include <cstdint>
#include <functional>

#include "core/status.h"
#include "ingest/record_reader.h"
#include "state/event_store.h"

namespace panorama {

struct LoadCounts {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
};

// Receives each rejected record; a non-OK return stops the load with that status.
using RejectSink = std::function<Status(const Reject&)>;

// Loads every record of `reader` into `store`, `batch_size` events per append. Returns the
// counts, or the first error of the store or of `on_reject` (what was appended before the
// error is durable and counted in `counts`, which is filled as the load progresses).
Status LoadRecords(RecordReader& reader, EventStore& store, size_t batch_size,
                   const RejectSink& on_reject, LoadCounts* counts);

}  // namespace panorama
