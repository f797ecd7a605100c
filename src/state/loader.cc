#include "state/loader.h"

#include <future>
#include <span>
#include <vector>

namespace panorama {

Status LoadRecords(RecordReader& reader, EventStore& store, size_t batch_size,
                   const RejectSink& on_reject, LoadCounts* counts) {
  // Two buffers: one being filled here, one being appended in the background.
  std::vector<Event> buffers[2] = {std::vector<Event>(batch_size), std::vector<Event>(batch_size)};
  int filling = 0;
  size_t filled = 0;
  std::future<Result<AppendOutcome>> pending;

  auto collect = [&]() -> Status {
    if (!pending.valid()) return Status::Ok();
    Result<AppendOutcome> outcome = pending.get();
    if (!outcome.ok()) return outcome.status();
    counts->accepted += outcome->accepted;
    counts->duplicates += outcome->duplicates;
    return Status::Ok();
  };
  auto submit = [&]() -> Status {
    PANO_RETURN_IF_ERROR(collect());
    std::span<const Event> batch(buffers[filling].data(), filled);
    pending = std::async(std::launch::async, [&store, batch] { return store.Append(batch); });
    filling ^= 1;
    filled = 0;
    return Status::Ok();
  };

  Reject reject;
  Status status;
  for (;;) {
    auto outcome = reader.Next(&buffers[filling][filled], &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    if (outcome == RecordReader::Outcome::kReject) {
      ++counts->rejected;
      status = on_reject(reject);
      if (!status.ok()) break;
      continue;
    }
    if (++filled == batch_size) {
      status = submit();
      if (!status.ok()) break;
    }
  }
  if (status.ok() && filled > 0) status = submit();
  // Always wait for the batch in flight: its events may be durable already.
  Status last = collect();
  return status.ok() ? last : status;
}

}  // namespace panorama
