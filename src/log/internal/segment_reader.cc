#include "log/internal/segment_reader.h"

#include <algorithm>
#include <cstring>

namespace panorama::log_internal {

namespace {

constexpr size_t kBufferSize = 1 << 20;

}  // namespace

SegmentReader::SegmentReader() : buf_(new char[kBufferSize]), capacity_(kBufferSize) {}

Result<SegmentReader::Header> SegmentReader::Open(const SegmentFile& segment) {
  Close();
  segment_ = segment;
  PANO_ASSIGN_OR_RETURN(fd_, OpenForRead(segment.path));
  PANO_ASSIGN_OR_RETURN(file_size_, FileSize(fd_.get(), segment.path));
  char header[kSegmentHeaderSize];
  PANO_ASSIGN_OR_RETURN(size_t n, ReadAt(fd_.get(), header, sizeof(header), 0, segment.path));
  offset_ = kSegmentHeaderSize;
  if (n < kSegmentHeaderSize) {
    reason_ = "segment header truncated at " + std::to_string(n) + " bytes";
    return Header::kTorn;
  }
  if (auto bad = CheckSegmentHeader(header, segment.first_seq)) {
    reason_ = *bad;
    // A creation interrupted before the header reached the disk can leave zero bytes.
    PANO_ASSIGN_OR_RETURN(bool zero, AllZero());
    if (zero) {
      reason_ = "segment holds only zero bytes";
      return Header::kTorn;
    }
    return Header::kBad;
  }
  return Header::kSound;
}

Result<bool> SegmentReader::AllZero() {
  pos_ = end_ = 0;
  for (uint64_t at = 0; at < file_size_;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(capacity_, file_size_ - at));
    PANO_ASSIGN_OR_RETURN(size_t n, ReadAt(fd_.get(), buf_.get(), want, at, segment_.path));
    if (n == 0) break;
    if (!std::all_of(buf_.get(), buf_.get() + n, [](char c) { return c == 0; })) return false;
    at += n;
  }
  return true;
}

void SegmentReader::Close() {
  fd_.Reset();
  file_size_ = 0;
  offset_ = 0;
  pos_ = 0;
  end_ = 0;
  reason_.clear();
  invalid_crc_ok_ = false;
  status_ = Status::Ok();
}

bool SegmentReader::Ensure(size_t need) {
  size_t available = end_ - pos_;
  if (available >= need) return true;
  if (need > capacity_) {
    size_t capacity = std::max(need, capacity_ * 2);
    std::unique_ptr<char[]> bigger(new char[capacity]);
    std::memcpy(bigger.get(), buf_.get() + pos_, available);
    buf_ = std::move(bigger);
    capacity_ = capacity;
  } else if (pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, available);
  }
  pos_ = 0;
  end_ = available;
  uint64_t file_offset = offset_ + available;
  uint64_t left = file_size_ > file_offset ? file_size_ - file_offset : 0;
  size_t want = static_cast<size_t>(std::min<uint64_t>(capacity_ - available, left));
  auto n = ReadAt(fd_.get(), buf_.get() + end_, want, file_offset, segment_.path);
  if (!n.ok()) {
    status_ = n.status();
    return false;
  }
  end_ += *n;
  return end_ >= need;
}

SegmentReader::Outcome SegmentReader::Invalid(std::string reason, bool crc_ok) {
  reason_ = std::move(reason);
  invalid_crc_ok_ = crc_ok;
  return Outcome::kInvalid;
}

SegmentReader::Outcome SegmentReader::Next(uint64_t expected_seq, LogRecord* record) {
  uint64_t left = file_size_ - offset_;
  if (left == 0) return Outcome::kEnd;
  if (left < kRecordHeaderSize) {
    return Invalid("truncated record header (" + std::to_string(left) + " bytes left)");
  }
  if (!Ensure(kRecordHeaderSize)) {
    return status_.ok() ? Invalid("segment shrank while being read") : Outcome::kError;
  }
  const char* p = buf_.get() + pos_;
  RecordHeader header = DecodeRecordHeader(p);
  if (header.length > kMaxPayload) {
    return Invalid("record length " + std::to_string(header.length) + " exceeds the limit");
  }
  size_t size = kRecordHeaderSize + header.length;
  if (size > left) {
    return Invalid("record of " + std::to_string(size) + " bytes runs past the end of the file (" +
                   std::to_string(left) + " bytes left)");
  }
  if (!Ensure(size)) {
    return status_.ok() ? Invalid("segment shrank while being read") : Outcome::kError;
  }
  p = buf_.get() + pos_;
  if (RecordCrc(p, header.length) != header.masked_crc) return Invalid("checksum mismatch");
  if (header.seq != expected_seq) {
    return Invalid("sequence number " + std::to_string(header.seq) + " where " +
                       std::to_string(expected_seq) + " was expected",
                   /*crc_ok=*/true);
  }
  if (record != nullptr) {
    record->seq = header.seq;
    record->ts = header.ts;
    record->kind = header.kind;
    record->payload = std::string_view(p + kRecordHeaderSize, header.length);
  }
  pos_ += size;
  offset_ += size;
  return Outcome::kRecord;
}

Result<bool> SegmentReader::ValidRecordFollows(uint64_t expected_seq) {
  uint64_t start = offset_ + 1;
  if (start + kRecordHeaderSize > file_size_) return false;
  std::string tail(static_cast<size_t>(file_size_ - start), '\0');
  PANO_ASSIGN_OR_RETURN(size_t n,
                        ReadAt(fd_.get(), tail.data(), tail.size(), start, segment_.path));
  tail.resize(n);
  // No record can carry a sequence number beyond this many records past the expected one.
  uint64_t max_seq = expected_seq + n / kRecordHeaderSize + 1;
  for (size_t i = 0; i + kRecordHeaderSize <= n; ++i) {
    RecordHeader header = DecodeRecordHeader(tail.data() + i);
    if (header.length > kMaxPayload || header.length > n - i - kRecordHeaderSize) continue;
    if (header.seq < expected_seq || header.seq > max_seq) continue;
    if (RecordCrc(tail.data() + i, header.length) == header.masked_crc) return true;
  }
  return false;
}

}  // namespace panorama::log_internal
