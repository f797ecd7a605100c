// VerifyLog: a full re-read of every segment that reports each fault it finds and goes on
// with the next segment. Sidecars are not trusted, only checked against the scan.
#include <algorithm>

#include "log/internal/segment_files.h"
#include "log/internal/segment_reader.h"
#include "log/transaction_log.h"

namespace panorama {

namespace {

using log_internal::SegmentFile;
using log_internal::SegmentIndex;
using log_internal::SegmentReader;

class Verifier {
 public:
  explicit Verifier(std::string dir) : dir_(std::move(dir)) {}

  Result<VerifyReport> Run() {
    PANO_ASSIGN_OR_RETURN(auto segments, log_internal::ListSegments(dir_));
    report_.segments = segments.size();
    for (size_t i = 0; i < segments.size(); ++i) {
      VerifySegment(segments[i], /*newest=*/i + 1 == segments.size());
    }
    return std::move(report_);
  }

 private:
  void Fault(const SegmentFile& segment, uint64_t offset, uint64_t seq, std::string reason) {
    report_.faults.push_back({segment.name, offset, seq, std::move(reason)});
  }

  void VerifySegment(const SegmentFile& segment, bool newest) {
    if (continuity_ && segment.first_seq != expected_) {
      Fault(segment, 0, expected_,
            "segment starts at seq " + std::to_string(segment.first_seq) + ": records are missing");
    }
    continuity_ = false;
    auto header = reader_.Open(segment);
    if (!header.ok()) {
      Fault(segment, 0, segment.first_seq, header.status().ToString());
      return;
    }
    report_.bytes += reader_.file_size();
    if (*header != SegmentReader::Header::kSound) {
      std::string prefix = *header == SegmentReader::Header::kTorn && newest ? "torn tail: " : "";
      Fault(segment, 0, segment.first_seq, prefix + reader_.reason());
      return;
    }

    SegmentIndex summary;
    summary.first_seq = segment.first_seq;
    summary.last_seq = segment.first_seq - 1;
    LogRecord record;
    while (true) {
      uint64_t expected = summary.last_seq + 1;
      auto outcome = reader_.Next(expected, &record);
      if (outcome == SegmentReader::Outcome::kRecord) {
        Count(record, &summary);
        continue;
      }
      if (outcome == SegmentReader::Outcome::kEnd) break;
      if (outcome == SegmentReader::Outcome::kError) {
        Fault(segment, reader_.offset(), expected, reader_.status().ToString());
        return;
      }
      std::string reason = reader_.reason();
      if (newest && !reader_.invalid_record_checksum_ok()) {
        auto follows = reader_.ValidRecordFollows(expected);
        if (!follows.ok()) {
          reason += "; ";
          reason += follows.status().ToString();
        } else if (*follows) {
          reason += ", and valid records follow";
        } else {
          reason.insert(0, "torn tail: ");
        }
      }
      Fault(segment, reader_.offset(), expected, std::move(reason));
      return;
    }
    summary.segment_bytes = reader_.file_size();
    if (!newest) CheckIndex(segment, summary);
    continuity_ = true;
    expected_ = summary.last_seq + 1;
  }

  void Count(const LogRecord& record, SegmentIndex* summary) {
    summary->Add(record.seq, record.ts);
    if (report_.records == 0) {
      report_.first_seq = record.seq;
      report_.min_ts = report_.max_ts = record.ts;
    } else {
      report_.min_ts = std::min(report_.min_ts, record.ts);
      report_.max_ts = std::max(report_.max_ts, record.ts);
    }
    ++report_.records;
    report_.last_seq = record.seq;
  }

  // A missing sidecar is not a fault (readers scan instead); a damaged or wrong one is.
  void CheckIndex(const SegmentFile& segment, const SegmentIndex& summary) {
    std::string name = log_internal::IndexFileName(segment.first_seq);
    auto bytes = log_internal::ReadSegmentIndexFile(dir_, segment.first_seq);
    if (!bytes.ok()) {
      Fault(segment, 0, segment.first_seq, name + ": " + bytes.status().ToString());
      return;
    }
    if (!bytes->has_value()) return;
    auto index = log_internal::DecodeSegmentIndex(**bytes);
    if (!index) {
      Fault(segment, 0, segment.first_seq, name + " is damaged");
    } else if (!(*index == summary)) {
      Fault(segment, 0, segment.first_seq, name + " disagrees with the segment");
    }
  }

  std::string dir_;
  VerifyReport report_;
  SegmentReader reader_;
  bool continuity_ = true;  // whether expected_ is known for the next segment
  uint64_t expected_ = 1;
};

}  // namespace

Result<VerifyReport> VerifyLog(const std::string& dir) { return Verifier(dir).Run(); }

}  // namespace panorama
