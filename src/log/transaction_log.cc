// LogBatch and the append path of TransactionLog: group commit, segment roll, sync policy.
#include "log/transaction_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log/internal/log_impl.h"

namespace panorama {

using log_internal::EncodeFixed32;
using log_internal::EncodeFixed64;
using log_internal::kMaxPayload;
using log_internal::kRecordHeaderSize;

void LogBatch::Add(uint8_t kind, Timestamp ts, std::string_view payload) {
  // An oversized payload is not copied: its length field is set past the limit, which
  // Append() rejects before anything is written.
  bool too_large = payload.size() > kMaxPayload;
  size_t length = too_large ? 0 : payload.size();
  size_t at = data_.size();
  data_.resize(at + kRecordHeaderSize + length);
  char* p = data_.data() + at;
  EncodeFixed32(p, 0);
  EncodeFixed32(p + log_internal::kLengthOffset,
                too_large ? kMaxPayload + 1 : static_cast<uint32_t>(length));
  EncodeFixed64(p + log_internal::kSeqOffset, 0);
  EncodeFixed64(p + log_internal::kTsOffset, static_cast<uint64_t>(ts));
  p[log_internal::kKindOffset] = static_cast<char>(kind);
  if (length > 0) std::memcpy(p + kRecordHeaderSize, payload.data(), length);
  ++count_;
}

namespace {

Status CheckBatch(std::string_view data, size_t count) {
  size_t offset = 0;
  size_t records = 0;
  while (offset < data.size()) {
    if (data.size() - offset < kRecordHeaderSize) return Status::Internal("malformed log batch");
    uint32_t length =
        log_internal::DecodeFixed32(data.data() + offset + log_internal::kLengthOffset);
    if (length > kMaxPayload) {
      return Status::InvalidArgument("record " + std::to_string(records) +
                                     " of the batch has a payload over the limit of " +
                                     std::to_string(kMaxPayload) + " bytes");
    }
    offset += kRecordHeaderSize + length;
    ++records;
  }
  if (offset != data.size() || records != count) return Status::Internal("malformed log batch");
  return Status::Ok();
}

}  // namespace

TransactionLog::Impl::~Impl() {
  if (active.fd.valid() && unsynced && failed.ok() && options.sync != SyncPolicy::kNone) {
    // Best effort on close; an error here has no caller left to tell.
    SyncActive().IgnoreError();
  }
}

Status TransactionLog::Impl::Commit(Writer* writer) {
  std::unique_lock<std::mutex> lock(mu);
  if (tail != nullptr) {
    tail->next = writer;
  } else {
    head = writer;
  }
  tail = writer;
  while (!writer->done && writer != head) writer->cv.wait(lock);
  if (writer->done) return writer->status;

  // Leader: take the queued writers, up to the byte cap (the first always).
  Writer* last = writer;
  size_t bytes = writer->batch != nullptr ? writer->batch->bytes() : 0;
  bool force_sync = writer->sync;
  for (Writer* w = writer->next; w != nullptr; w = w->next) {
    size_t more = w->batch != nullptr ? w->batch->bytes() : 0;
    if (bytes + more > kMaxGroupBytes && bytes > 0) break;
    bytes += more;
    force_sync = force_sync || w->sync;
    last = w;
  }

  Status status = failed;
  if (status.ok()) {
    lock.unlock();
    status = WriteGroup(writer, last, force_sync);
    lock.lock();
    if (!status.ok()) failed = status;
  }
  while (true) {
    Writer* done = head;
    head = done->next;
    if (head == nullptr) tail = nullptr;
    if (done != writer) {
      done->status = status;
      done->done = true;
      done->cv.notify_one();
    }
    if (done == last) break;
  }
  if (head != nullptr) head->cv.notify_one();
  return status;
}

Status TransactionLog::Impl::WriteGroup(Writer* first, Writer* last, bool force_sync) {
  group.clear();
  uint64_t seq = next_seq;
  for (Writer* w = first;; w = w->next) {
    if (w->batch != nullptr) {
      group.append(w->batch->data_);
      w->first_seq = seq;
      seq += w->batch->count();
    }
    if (w == last) break;
  }

  if (!group.empty()) {
    if (active.size >= options.segment_bytes && active.summary.records > 0) {
      PANO_RETURN_IF_ERROR(Roll());
    }
    log_internal::SegmentIndex& summary = active.summary;
    uint64_t record_seq = next_seq;
    char* p = group.data();
    char* end = p + group.size();
    while (p < end) {
      uint32_t length = log_internal::DecodeFixed32(p + log_internal::kLengthOffset);
      auto ts = static_cast<Timestamp>(log_internal::DecodeFixed64(p + log_internal::kTsOffset));
      EncodeFixed64(p + log_internal::kSeqOffset, record_seq);
      EncodeFixed32(p, log_internal::RecordCrc(p, length));
      summary.Add(record_seq, ts);
      ++record_seq;
      p += kRecordHeaderSize + length;
    }
    PANO_RETURN_IF_ERROR(
        log_internal::WriteAt(active.fd.get(), group, active.size, active.file.path));
    active.size += group.size();
    unsynced = true;
    if (group.capacity() > kMaxRetainedBuffer) {
      group.clear();
      group.shrink_to_fit();
    }
  }

  bool sync = force_sync || options.sync == SyncPolicy::kEveryBatch;
  if (!sync && options.sync == SyncPolicy::kInterval) {
    sync = std::chrono::steady_clock::now() - last_sync >=
           std::chrono::milliseconds(options.sync_interval_ms);
  }
  if (sync && unsynced) PANO_RETURN_IF_ERROR(SyncActive());

  next_seq = seq;
  last_seq.store(seq - 1, std::memory_order_release);
  return Status::Ok();
}

Status TransactionLog::Impl::SyncActive() {
  PANO_RETURN_IF_ERROR(log_internal::SyncFile(active.fd.get(), active.file.path));
  unsynced = false;
  last_sync = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status TransactionLog::Impl::Roll() {
  if (unsynced) PANO_RETURN_IF_ERROR(SyncActive());
  log_internal::SegmentIndex sealed = active.summary;
  sealed.segment_bytes = active.size;
  PANO_RETURN_IF_ERROR(CreateSegment(next_seq, /*replace=*/false));
  // The sidecar only spares readers a scan; without it they scan, and the next Open()
  // writes it again. So failing to write it does not fail the append.
  log_internal::WriteSegmentIndex(dir, sealed).IgnoreError();
  return Status::Ok();
}

Status TransactionLog::Impl::CreateSegment(uint64_t first_seq, bool replace) {
  log_internal::SegmentFile file;
  file.first_seq = first_seq;
  file.name = log_internal::SegmentFileName(first_seq);
  file.path = log_internal::JoinPath(dir, file.name);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL);
  int fd = ::open(file.path.c_str(), flags, 0644);
  if (fd < 0) return Status::FromErrno("creating log segment " + file.path, errno);
  log_internal::ScopedFd owned(fd);
  char header[log_internal::kSegmentHeaderSize];
  log_internal::EncodeSegmentHeader(header, first_seq);
  PANO_RETURN_IF_ERROR(
      log_internal::WriteAt(fd, std::string_view(header, sizeof(header)), 0, file.path));
  PANO_RETURN_IF_ERROR(log_internal::SyncFile(fd, file.path));
  PANO_RETURN_IF_ERROR(log_internal::SyncDir(dir));

  active.file = std::move(file);
  active.fd = std::move(owned);
  active.size = log_internal::kSegmentHeaderSize;
  active.summary = {};
  active.summary.first_seq = first_seq;
  active.summary.last_seq = first_seq - 1;
  unsynced = false;
  return Status::Ok();
}

TransactionLog::TransactionLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransactionLog::~TransactionLog() = default;

Result<uint64_t> TransactionLog::Append(const LogBatch& batch) {
  if (batch.empty()) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->failed.ok()) return impl_->failed;
    return impl_->last_seq.load(std::memory_order_acquire) + 1;
  }
  PANO_RETURN_IF_ERROR(CheckBatch(batch.data_, batch.count_));
  Impl::Writer writer;
  writer.batch = &batch;
  PANO_RETURN_IF_ERROR(impl_->Commit(&writer));
  return writer.first_seq;
}

Status TransactionLog::Sync() {
  Impl::Writer writer;
  writer.sync = true;
  return impl_->Commit(&writer);
}

uint64_t TransactionLog::last_seq() const {
  return impl_->last_seq.load(std::memory_order_acquire);
}
const RecoveryReport& TransactionLog::recovery() const { return impl_->recovery; }
const std::string& TransactionLog::dir() const { return impl_->dir; }

}  // namespace panorama
