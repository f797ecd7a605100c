// SegmentReader: sequential, buffered, checksum-verifying reader over one segment file.
//
// It reads no further than the size the file had when opened, so a writer appending
// concurrently is never seen half-way. A record's payload points into the reader's buffer
// and stays valid until the next call. The buffer is kept across Open() calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "log/internal/segment_files.h"
#include "log/transaction_log.h"

namespace panorama::log_internal {

class SegmentReader {
 public:
  enum class Header {
    kSound,
    kTorn,  // shorter than a header, or nothing but zero bytes: an interrupted creation
    kBad,   // see reason()
  };
  enum class Outcome {
    kRecord,   // `record` is filled and the reader has moved past it
    kEnd,      // the file ends exactly after the previous record
    kInvalid,  // the bytes at offset() are not the record expected (see reason())
    kError,    // an I/O error (see status())
  };

  SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Opens `segment` and checks its header; I/O errors are returned, header faults reported.
  Result<Header> Open(const SegmentFile& segment);
  void Close();

  Outcome Next(uint64_t expected_seq, LogRecord* record);

  // Whether a record with a sound checksum and a plausible sequence number (>= expected_seq)
  // starts anywhere after offset(): what tells damage inside the log from a torn tail.
  // Reads the rest of the file; meant for error paths only.
  Result<bool> ValidRecordFollows(uint64_t expected_seq);

  const SegmentFile& segment() const { return segment_; }
  int fd() const { return fd_.get(); }
  uint64_t offset() const { return offset_; }  // of the next (or the invalid) record
  uint64_t file_size() const { return file_size_; }
  const std::string& reason() const { return reason_; }
  // True when the invalid record has a sound checksum but an unexpected sequence number.
  bool invalid_record_checksum_ok() const { return invalid_crc_ok_; }
  const Status& status() const { return status_; }

 private:
  // Makes `need` bytes from offset_ available in the buffer; false at EOF or error.
  bool Ensure(size_t need);
  Outcome Invalid(std::string reason, bool crc_ok = false);
  Result<bool> AllZero();

  SegmentFile segment_;
  ScopedFd fd_;
  uint64_t file_size_ = 0;
  uint64_t offset_ = 0;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t pos_ = 0;  // buf_[pos_] is the byte at offset_
  size_t end_ = 0;  // valid bytes in buf_
  std::string reason_;
  bool invalid_crc_ok_ = false;
  Status status_;
};

}  // namespace panorama::log_internal
