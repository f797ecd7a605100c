// CsvParser: splits one RFC 4180 record at the front of a window of bytes into fields.
//
// Fields are string_views into the window, or, for quoted fields with doubled quotes, into
// the parser's own unescape buffer; they stay valid until the next Parse() or until the
// window moves. Records end at LF or CRLF; quoted fields may hold delimiters, doubled quotes
// and line breaks. A quote inside an unquoted field is kept as text.
//
// The parser never looks further than max_record_bytes (+2 for CRLF) past the record start,
// and remembers where it last found no quote, so that re-parsing from each line after a
// broken quote costs linear time overall.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "ingest/internal/field_converter.h"

namespace panorama::ingest_internal {

enum class CsvOutcome {
  kRecord,             // a complete record: fields(), consumed(), line_breaks()
  kNeedMore,           // the record may continue past the window: fill and parse again
  kTooLong,            // longer than max_record_bytes
  kTooManyColumns,     // more than kMaxColumns fields
  kUnterminatedQuote,  // a quoted field runs to the end of the input
  kBadQuote,           // a closing quote followed by something other than delimiter or EOL
};

class CsvParser {
 public:
  static constexpr size_t kMaxColumns = 4096;

  CsvParser(char delimiter, size_t max_record_bytes);

  // Parses the record at `data`; `eof`: no bytes follow the window; `offset`: the absolute
  // input offset of `data`.
  CsvOutcome Parse(const char* data, size_t size, bool eof, uint64_t offset);

  const std::vector<SourceValue>& fields() const { return fields_; }
  // Bytes of the record including its line terminator.
  size_t consumed() const { return consumed_; }
  // Line breaks inside the record and its terminator.
  uint32_t line_breaks() const { return line_breaks_; }

 private:
  // The first quote in [from, stop), or null; uses and updates the no-quote memo.
  const char* FindQuote(const char* data, uint64_t offset, const char* from, const char* stop);
  CsvOutcome OutOfData(bool more_may_follow, bool truncated, bool in_quotes) const;
  void Unescape(const char* begin, const char* end);

  char delimiter_;
  size_t max_record_bytes_;
  std::vector<SourceValue> fields_;
  std::unique_ptr<char[]> unescaped_;
  size_t unescaped_used_ = 0;
  size_t consumed_ = 0;
  uint32_t line_breaks_ = 0;
  // No quote character lies in the absolute offsets [no_quote_from_, no_quote_to_).
  uint64_t no_quote_from_ = 0;
  uint64_t no_quote_to_ = 0;
};

}  // namespace panorama::ingest_internal
