// The generator's output files: a buffered block file, the transaction writer (the hot path:
// a TxRecord straight to text, no allocation) and the record streams of the other kinds.
// Internal to src/generate.
//
// Layout of every file (what `panorama ingest` reads unchanged, see docs/schema.md):
//  - CSV: a header row naming every field of the kind in schema order, then one row per
//    record; absent fields are empty; a value holding a comma, quote, CR, LF or a leading or
//    trailing space or tab is quoted (RFC 4180, quotes doubled).
//  - JSON Lines: one object per line with the present fields only, in schema order; amounts,
//    integers and coordinates are JSON numbers, booleans true/false, everything else strings.
//  - Timestamps are ISO 8601 UTC with milliseconds ("2026-10-01T08:15:30.123Z"; sub-millisecond
//    digits are truncated), amounts plain decimals with the currency's exponent, coordinates
//    with 5 decimals.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "generate/generate.h"
#include "generate/internal/world.h"

namespace panorama::generate {

// A file written through one large buffer, handed to fwrite in big blocks. Errors are sticky:
// after the first failed write nothing more is written and Close() returns that error.
class BlockFile {
 public:
  // Creates or truncates `path`.
  static Result<std::unique_ptr<BlockFile>> Create(const std::string& path);
  ~BlockFile();
  BlockFile(const BlockFile&) = delete;
  BlockFile& operator=(const BlockFile&) = delete;

  // Returns room for at least `bytes` more bytes; the caller writes them and calls Commit
  // with the end of what it wrote. Flushes the buffer first when it is too full.
  char* Reserve(size_t bytes) {
    if (capacity_ - size_ < bytes) MakeRoom(bytes);
    return buffer_.get() + size_;
  }
  void Commit(const char* end) { size_ = static_cast<size_t>(end - buffer_.get()); }
  void Append(std::string_view text);
  // Writes out the buffer, closes the file; the first error of the file's life, if any.
  Status Close();
  // The first write error so far, or OK.
  const Status& status() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  BlockFile(std::FILE* file, std::string path);
  void MakeRoom(size_t bytes);
  void Flush();

  std::FILE* file_;
  std::string path_;
  std::unique_ptr<char[]> buffer_;
  size_t size_ = 0;
  size_t capacity_;
  Status error_;
};

// Formats timestamps as "YYYY-MM-DDThh:mm:ss.mmmZ" (24 bytes), caching the date part, which
// changes once a day in a time-ordered file.
class TimestampFormatter {
 public:
  static constexpr size_t kLength = 24;
  char* Write(Timestamp ts, char* out);

 private:
  int64_t cached_day_ = INT64_MIN;
  char date_[11] = {};  // "YYYY-MM-DDT"
};

// Writes transactions in the order given (the caller sorts them by time).
class TxWriter {
 public:
  TxWriter(std::unique_ptr<BlockFile> file, OutputFormat format);
  // Writes `tx` with id `tx_id` (the running number; WriteId makes the text).
  void Write(const TxRecord& tx, uint64_t tx_id);
  uint64_t written() const { return written_; }
  Status Close() { return file_->Close(); }

 private:
  char* WriteCsv(const TxRecord& tx, uint64_t tx_id, char* p);
  char* WriteJson(const TxRecord& tx, uint64_t tx_id, char* p);

  std::unique_ptr<BlockFile> file_;
  OutputFormat format_;
  TimestampFormatter time_;
  uint64_t written_ = 0;
  // Per city, the rendered country and city fields: `,CN,Shanghai` (CSV, quoted as needed)
  // or `,"country":"CN","city":"Shanghai"` (JSON).
  std::vector<std::string> place_;
  struct Money {
    char code[3];
    int exponent;
    int64_t scale;  // 10^exponent
  };
  std::vector<Money> money_;
};

// A RecordStream that renders each pushed event to text at once and keeps the rendered lines
// in a heap ordered by (ts, push order) until FlushBefore writes them. Pushing a record dated
// before an earlier FlushBefore's `until` is a caller's error: the next FlushBefore (or
// Close) fails with an internal error naming it.
class EventStream final : public RecordStream {
 public:
  EventStream(EventKind kind, std::unique_ptr<BlockFile> file, OutputFormat format);
  void Push(const Event& event) override;
  Status FlushBefore(Timestamp until) override;
  uint64_t written() const override { return written_; }
  // Writes `event` now, bypassing the queue; valid only while nothing queued is earlier.
  void WriteNow(const Event& event);
  size_t pending() const { return heap_.size(); }
  // Writes everything still queued and closes the file.
  Status Close();

 private:
  struct Pending {
    Timestamp ts;
    uint64_t seq;
    std::string line;
  };
  void Render(const Event& event, std::string* out);

  EventKind kind_;
  std::unique_ptr<BlockFile> file_;
  OutputFormat format_;
  std::vector<Pending> heap_;
  // Records dated before what was already written would break the file's time order: the
  // first such timestamp is kept and the next FlushBefore fails.
  static constexpr Timestamp kNoLate = INT64_MIN;
  Timestamp flushed_until_ = INT64_MIN;
  Timestamp late_ts_ = kNoLate;
  uint64_t seq_ = 0;
  uint64_t written_ = 0;
  std::string scratch_;
};

// The header row of a kind's CSV file: every field name in schema order, with the newline.
std::string CsvHeader(EventKind kind);
// One event as a CSV row or a JSON line (with the newline), appended to `out`.
void AppendCsvRecord(const Event& event, std::string* out);
void AppendJsonRecord(const Event& event, std::string* out);

}  // namespace panorama::generate
