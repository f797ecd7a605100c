// LogReader: reads a snapshot of the log's segments in sequence order.
//
// The segment list is taken at open. Range readers start at the segment holding from_seq;
// time-range readers skip sealed segments whose .idx shows no timestamp in range. Every
// record read is checksummed and must carry the next sequence number, also across segment
// boundaries (a skipped segment's sidecar supplies its last seq).
#include <memory>

#include "log/internal/segment_files.h"
#include "log/internal/segment_reader.h"
#include "log/transaction_log.h"

namespace panorama {

using log_internal::SegmentFile;
using log_internal::SegmentReader;

struct LogReader::Impl {
  static Result<std::unique_ptr<Impl>> Create(const std::string& dir) {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    PANO_ASSIGN_OR_RETURN(impl->segments, log_internal::ListSegments(dir));
    return impl;
  }
  bool NextRecord(LogRecord* record);
  // Opens segments_[index]; false when the read ends (status or tail_torn set).
  bool OpenSegment();
  bool Fail(Status s) {
    status = std::move(s);
    done = true;
    return false;
  }
  bool Corrupt(uint64_t offset, std::string_view reason) {
    return Fail(Status::Corruption("log segment " + reader.segment().path + " at offset " +
                                   std::to_string(offset) + " (expected seq " +
                                   std::to_string(expected) + "): " + std::string(reason)));
  }

  std::string dir;
  std::vector<SegmentFile> segments;
  bool by_time = false;
  uint64_t from_seq = 0;
  uint64_t to_seq = UINT64_MAX;
  Timestamp from_ts = 0;
  Timestamp to_ts = 0;

  SegmentReader reader;
  size_t index = 0;  // segment being read, or next to open
  bool segment_open = false;
  bool continuity = true;  // whether `expected` is known for the next segment's start
  uint64_t expected = 1;   // seq of the next record
  bool done = false;
  bool tail_torn = false;
  Status status;
};

bool LogReader::Impl::OpenSegment() {
  while (index < segments.size()) {
    const SegmentFile& segment = segments[index];
    bool newest = index + 1 == segments.size();
    if (!by_time && segment.first_seq > to_seq) break;
    if (!newest && !by_time && segments[index + 1].first_seq <= from_seq) {
      ++index;
      continuity = false;
      continue;
    }
    if (continuity && segment.first_seq != expected) {
      return Fail(Status::Corruption(
          "log segment " + segment.path + " starts at seq " + std::to_string(segment.first_seq) +
          " where " + std::to_string(expected) + " was expected: records are missing"));
    }
    auto header = reader.Open(segment);
    if (!header.ok()) return Fail(header.status());
    if (*header == SegmentReader::Header::kTorn && newest) {
      tail_torn = true;
      break;
    }
    if (*header != SegmentReader::Header::kSound) {
      return Fail(Status::Corruption("log segment " + segment.path + ": " + reader.reason()));
    }
    if (by_time && !newest) {
      auto idx = log_internal::LoadSegmentIndex(dir, segment, reader.file_size());
      if (idx && (idx->records == 0 || idx->max_ts < from_ts || idx->min_ts >= to_ts)) {
        reader.Close();
        ++index;
        continuity = true;
        expected = idx->last_seq + 1;
        continue;
      }
    }
    expected = segment.first_seq;
    continuity = true;
    segment_open = true;
    return true;
  }
  done = true;
  return false;
}

bool LogReader::Impl::NextRecord(LogRecord* record) {
  while (!done) {
    if (!segment_open && !OpenSegment()) return false;
    switch (reader.Next(expected, record)) {
      case SegmentReader::Outcome::kRecord:
        ++expected;
        if (by_time) {
          if (record->ts >= from_ts && record->ts < to_ts) return true;
        } else {
          if (record->seq > to_seq) {
            done = true;
            return false;
          }
          if (record->seq >= from_seq) return true;
        }
        break;
      case SegmentReader::Outcome::kEnd:
        reader.Close();
        segment_open = false;
        ++index;
        break;
      case SegmentReader::Outcome::kError:
        return Fail(reader.status());
      case SegmentReader::Outcome::kInvalid: {
        uint64_t offset = reader.offset();
        if (index + 1 == segments.size() && !reader.invalid_record_checksum_ok()) {
          auto follows = reader.ValidRecordFollows(expected);
          if (!follows.ok()) return Fail(follows.status());
          if (!*follows) {
            tail_torn = true;
            done = true;
            return false;
          }
          return Corrupt(offset, reader.reason() + ", and valid records follow");
        }
        return Corrupt(offset, reader.reason());
      }
    }
  }
  return false;
}

Result<std::unique_ptr<LogReader>> LogReader::OpenRange(const std::string& dir, uint64_t from_seq,
                                                        uint64_t to_seq) {
  PANO_ASSIGN_OR_RETURN(auto impl, Impl::Create(dir));
  impl->from_seq = from_seq;
  impl->to_seq = to_seq;
  if (from_seq > to_seq) impl->done = true;
  return std::unique_ptr<LogReader>(new LogReader(std::move(impl)));
}

Result<std::unique_ptr<LogReader>> LogReader::OpenTimeRange(const std::string& dir,
                                                            Timestamp from_ts, Timestamp to_ts) {
  PANO_ASSIGN_OR_RETURN(auto impl, Impl::Create(dir));
  impl->by_time = true;
  impl->from_ts = from_ts;
  impl->to_ts = to_ts;
  if (from_ts >= to_ts) impl->done = true;
  return std::unique_ptr<LogReader>(new LogReader(std::move(impl)));
}

LogReader::LogReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogReader::~LogReader() = default;

bool LogReader::Next(LogRecord* record) { return impl_->NextRecord(record); }
const Status& LogReader::status() const { return impl_->status; }
bool LogReader::tail_torn() const { return impl_->tail_torn; }

}  // namespace panorama
