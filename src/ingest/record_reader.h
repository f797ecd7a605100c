// RecordReader: turns a CSV or JSON Lines file into validated events and rejects.
//
// Contract:
//  - Every record of the input ends as exactly one Event or one Reject; a bad record never
//    costs a good one (after a structural error such as a broken quote the reader resumes
//    at the next physical line after the bad record's first line).
//  - A Reject names the source file, the 1-based line where the record starts, the
//    canonical field at fault (empty for record-level faults) and the reason.
//  - Fatal problems of the whole file (unreadable, a header that lacks a required column,
//    a mapping that does not fit the file) are returned by Open(), not as rejects.
//  - Bounded: no record larger than max_record_bytes is buffered; memory does not grow with
//    the file size. No input crashes the reader.
//  - Not thread-safe; one reader per file. Next() allocates nothing in steady state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "ingest/mapping.h"
#include "ingest/pii.h"

namespace panorama {

enum class FileFormat { kCsv, kJsonLines };

// Checks `text` as a value of field `field` of `kind` exactly as the readers check a record's
// value (without storing it: a personal-data field needs no tokenizer, an amount no currency).
// Other modules use it to validate values compared with stored fields, such as list entries.
// Empty text is InvalidArgument ("empty value").
Status ValidateFieldText(EventKind kind, int field, std::string_view text);

// The format implied by a file name: .jsonl, .ndjson and .json mean JSON Lines; else CSV.
FileFormat FormatFromPath(std::string_view path);

struct Reject {
  std::string file;
  uint64_t line = 0;
  std::string field;  // canonical field name, or empty for a record-level fault
  std::string reason;
  std::string record;  // the raw record, cut to at most 1 KiB
};

struct ReaderOptions {
  EventKind kind = EventKind::kTransaction;
  const Mapping* mapping = nullptr;         // null: the canonical layout of docs/schema.md
  std::optional<FileFormat> format;         // unset: the mapping's, else from the file name
  const PiiTokenizer* tokenizer = nullptr;  // null: personal-data fields are rejected if present
  size_t max_record_bytes = 1 << 20;
};

class RecordReader {
 public:
  enum class Outcome { kEvent, kReject, kEnd };

  static Result<std::unique_ptr<RecordReader>> Open(const std::string& path,
                                                    const ReaderOptions& options);
  // Reads from memory; `data` must outlive the reader. `name` appears in rejects.
  static Result<std::unique_ptr<RecordReader>> FromBuffer(std::string name, std::string_view data,
                                                          const ReaderOptions& options);
  virtual ~RecordReader() = default;

  // Fills `event` (kEvent) or `reject` (kReject), or returns kEnd.
  virtual Outcome Next(Event* event, Reject* reject) = 0;
  // Non-fatal notices about the file as a whole (e.g. columns the schema does not know).
  virtual const std::vector<std::string>& warnings() const = 0;
  // The 1-based line on which the record last returned starts.
  virtual uint64_t line() const = 0;
};

}  // namespace panorama
