// TransactionLog::Open: locking the directory and recovering the log.
//
// Sealed segments are trusted through their .idx sidecar when it is sound and matches the
// file; otherwise they are scanned in full (and the sidecar rewritten), where any invalid
// record is Corruption. The newest segment is always scanned: its first invalid record is
// either a torn tail (nothing valid follows it: truncated and reported) or Corruption.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "core/atomic_file.h"
#include "log/internal/log_impl.h"
#include "log/internal/segment_reader.h"
#include "log/transaction_log.h"

namespace panorama {

namespace {

using log_internal::SegmentFile;
using log_internal::SegmentIndex;
using log_internal::SegmentReader;

Status CorruptionAt(const SegmentReader& reader, uint64_t expected_seq, std::string_view reason) {
  return Status::Corruption("log segment " + reader.segment().path + " at offset " +
                            std::to_string(reader.offset()) + " (expected seq " +
                            std::to_string(expected_seq) + "): " + std::string(reason));
}

Status SequenceGap(const SegmentFile& segment, uint64_t expected_seq) {
  return Status::Corruption("log segment " + segment.path + " starts at seq " +
                            std::to_string(segment.first_seq) + " where " +
                            std::to_string(expected_seq) + " was expected: records are missing");
}

Status LockDirectory(const std::string& dir, log_internal::ScopedFd* lock_fd) {
  std::string path = log_internal::JoinPath(dir, "LOCK");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("opening " + path, errno);
  *lock_fd = log_internal::ScopedFd(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::FailedPrecondition("log " + dir + " is already open for writing");
    }
    return Status::FromErrno("locking " + path, errno);
  }
  return Status::Ok();
}

// Removes the temporary files an interrupted sidecar write leaves.
Status RemoveTemporaryFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::FromErrno("opening log directory " + dir, errno);
  Status status;
  // readdir is safe here: no other thread shares this DIR stream (readdir_r is deprecated).
  while (const dirent* entry = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe)
    std::string_view name = entry->d_name;
    // A sidecar index whose atomic write was cut (".idx.tmp" is earlier releases' name).
    const bool temporary = AtomicWriteTarget(name).ends_with(".idx") || name.ends_with(".idx.tmp");
    if (temporary && ::unlink(log_internal::JoinPath(dir, name).c_str()) != 0 && errno != ENOENT) {
      status = Status::FromErrno("removing " + std::string(name), errno);
      break;
    }
  }
  ::closedir(d);
  return status;
}

// Reads every record of the segment open in `reader`, accumulating into `summary`; stops at
// the end or at the first invalid record (reader.offset() is then its offset).
Result<SegmentReader::Outcome> ScanRecords(SegmentReader* reader, SegmentIndex* summary) {
  LogRecord record;
  while (true) {
    auto outcome = reader->Next(summary->last_seq + 1, &record);
    if (outcome == SegmentReader::Outcome::kError) return reader->status();
    if (outcome != SegmentReader::Outcome::kRecord) return outcome;
    summary->Add(record.seq, record.ts);
  }
}

SegmentIndex EmptySummary(uint64_t first_seq) {
  SegmentIndex summary;
  summary.first_seq = first_seq;
  summary.last_seq = first_seq - 1;
  return summary;
}

}  // namespace

Result<std::unique_ptr<TransactionLog>> TransactionLog::Open(const std::string& dir,
                                                             const LogOptions& options) {
  if (options.sync_interval_ms < 0) {
    return Status::InvalidArgument("sync_interval_ms must not be negative");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->last_sync = std::chrono::steady_clock::now();

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("creating log directory " + dir + ": " + ec.message());
  PANO_RETURN_IF_ERROR(LockDirectory(dir, &impl->lock_fd));
  PANO_RETURN_IF_ERROR(RemoveTemporaryFiles(dir));
  PANO_ASSIGN_OR_RETURN(auto segments, log_internal::ListSegments(dir));

  RecoveryReport& report = impl->recovery;
  if (segments.empty()) {
    PANO_RETURN_IF_ERROR(impl->CreateSegment(1, /*replace=*/false));
    report.segments = 1;
    return std::unique_ptr<TransactionLog>(new TransactionLog(std::move(impl)));
  }

  SegmentReader reader;
  uint64_t expected = 1;  // the log starts at seq 1
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentFile& segment = segments[i];
    if (segment.first_seq != expected) return SequenceGap(segment, expected);
    PANO_ASSIGN_OR_RETURN(auto header, reader.Open(segment));
    if (header != SegmentReader::Header::kSound) {
      return Status::Corruption("log segment " + segment.path + ": " + reader.reason());
    }
    auto index = log_internal::LoadSegmentIndex(dir, segment, reader.file_size());
    if (!index) {
      SegmentIndex summary = EmptySummary(segment.first_seq);
      PANO_ASSIGN_OR_RETURN(auto end, ScanRecords(&reader, &summary));
      if (end != SegmentReader::Outcome::kEnd) {
        return CorruptionAt(reader, summary.last_seq + 1, reader.reason());
      }
      summary.segment_bytes = reader.file_size();
      PANO_RETURN_IF_ERROR(log_internal::WriteSegmentIndex(dir, summary));
      index = summary;
    }
    expected = index->last_seq + 1;
  }

  // The newest segment.
  const SegmentFile& newest = segments.back();
  if (newest.first_seq != expected) return SequenceGap(newest, expected);
  PANO_ASSIGN_OR_RETURN(auto header, reader.Open(newest));
  if (header == SegmentReader::Header::kBad) {
    return Status::Corruption("log segment " + newest.path + ": " + reader.reason());
  }
  std::string index_path =
      log_internal::JoinPath(dir, log_internal::IndexFileName(newest.first_seq));
  if (::unlink(index_path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("removing stale " + index_path, errno);
  }
  if (header == SegmentReader::Header::kTorn) {
    report.tail_truncated = true;
    report.truncated_bytes = reader.file_size();
    report.truncated_at = log_internal::Location(newest.name, 0);
    reader.Close();
    PANO_RETURN_IF_ERROR(impl->CreateSegment(newest.first_seq, /*replace=*/true));
  } else {
    SegmentIndex summary = EmptySummary(newest.first_seq);
    PANO_ASSIGN_OR_RETURN(auto end, ScanRecords(&reader, &summary));
    uint64_t valid_bytes = reader.offset();
    if (end == SegmentReader::Outcome::kInvalid) {
      if (reader.invalid_record_checksum_ok()) {
        return CorruptionAt(reader, summary.last_seq + 1, reader.reason());
      }
      PANO_ASSIGN_OR_RETURN(bool follows, reader.ValidRecordFollows(summary.last_seq + 1));
      if (follows) {
        return CorruptionAt(reader, summary.last_seq + 1,
                            reader.reason() + ", and valid records follow");
      }
    }
    uint64_t file_size = reader.file_size();
    reader.Close();
    int fd = ::open(newest.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("opening log segment " + newest.path, errno);
    log_internal::ScopedFd owned(fd);
    if (valid_bytes < file_size) {
      if (::ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0) {
        return Status::FromErrno("truncating torn tail of " + newest.path, errno);
      }
      if (::fsync(fd) != 0) return Status::FromErrno("syncing " + newest.path, errno);
      report.tail_truncated = true;
      report.truncated_bytes = file_size - valid_bytes;
      report.truncated_at = log_internal::Location(newest.name, valid_bytes);
    }
    impl->active.file = newest;
    impl->active.fd = std::move(owned);
    impl->active.size = valid_bytes;
    impl->active.summary = summary;
  }

  uint64_t last = impl->active.summary.last_seq;
  report.segments = segments.size();
  report.first_seq = last > 0 ? 1 : 0;
  report.last_seq = last;
  impl->next_seq = last + 1;
  impl->last_seq.store(last, std::memory_order_release);
  return std::unique_ptr<TransactionLog>(new TransactionLog(std::move(impl)));
}

}  // namespace panorama
