#include "ingest/internal/csv_parser.h"

#include <algorithm>
#include <cstring>

namespace panorama::ingest_internal {
namespace {

const char* FindByte(const char* from, const char* stop, char byte) {
  if (from >= stop) return nullptr;
  return static_cast<const char*>(std::memchr(from, byte, static_cast<size_t>(stop - from)));
}

}  // namespace

CsvParser::CsvParser(char delimiter, size_t max_record_bytes)
    : delimiter_(delimiter), max_record_bytes_(max_record_bytes) {
  fields_.reserve(64);
}

const char* CsvParser::FindQuote(const char* data, uint64_t offset, const char* from,
                                 const char* stop) {
  uint64_t abs_from = offset + static_cast<uint64_t>(from - data);
  uint64_t abs_stop = offset + static_cast<uint64_t>(stop - data);
  uint64_t memo_from = abs_from;
  if (abs_from >= no_quote_from_ && abs_from < no_quote_to_) {
    memo_from = no_quote_from_;
    if (no_quote_to_ >= abs_stop) return nullptr;
    from = data + (no_quote_to_ - offset);
  }
  const char* quote = FindByte(from, stop, '"');
  no_quote_from_ = memo_from;
  no_quote_to_ = quote != nullptr ? offset + static_cast<uint64_t>(quote - data) : abs_stop;
  return quote;
}

CsvOutcome CsvParser::OutOfData(bool more_may_follow, bool truncated, bool in_quotes) const {
  if (truncated) return CsvOutcome::kTooLong;
  if (more_may_follow) return CsvOutcome::kNeedMore;
  return in_quotes ? CsvOutcome::kUnterminatedQuote : CsvOutcome::kRecord;
}

void CsvParser::Unescape(const char* begin, const char* end) {
  auto n = static_cast<size_t>(end - begin);
  std::memcpy(unescaped_.get() + unescaped_used_, begin, n);
  unescaped_used_ += n;
}

CsvOutcome CsvParser::Parse(const char* data, size_t size, bool eof, uint64_t offset) {
  fields_.clear();
  unescaped_used_ = 0;
  consumed_ = 0;
  line_breaks_ = 0;
  // Never look past the longest record allowed (plus its CRLF).
  size_t limit = max_record_bytes_ + 2;
  bool truncated = size > limit;
  const char* stop = data + std::min(size, limit);
  bool more_may_follow = truncated || !eof;
  const char* p = data;
  const char* eol = FindByte(p, stop, '\n');

  while (true) {
    if (fields_.size() >= kMaxColumns) return CsvOutcome::kTooManyColumns;
    if (p < stop && *p == '"') {
      const char* open = p;
      const char* segment = p + 1;
      const char* quote = nullptr;
      bool escaped = false;
      size_t unescaped_start = unescaped_used_;
      while (true) {
        quote = FindQuote(data, offset, segment, stop);
        if (quote == nullptr || (quote + 1 == stop && more_may_follow)) {
          return OutOfData(more_may_follow, truncated || size >= limit, true);
        }
        if (quote + 1 < stop && quote[1] == '"') {
          if (!escaped) {
            if (!unescaped_) unescaped_ = std::make_unique_for_overwrite<char[]>(limit);
            escaped = true;
          }
          Unescape(segment, quote + 1);
          segment = quote + 2;
          continue;
        }
        break;
      }
      std::string_view text;
      if (escaped) {
        Unescape(segment, quote);
        text =
            std::string_view(unescaped_.get() + unescaped_start, unescaped_used_ - unescaped_start);
      } else {
        text = std::string_view(segment, static_cast<size_t>(quote - segment));
      }
      line_breaks_ += static_cast<uint32_t>(std::count(open, quote, '\n'));
      fields_.push_back({text, true});
      p = quote + 1;
      if (eol != nullptr && eol < p) eol = FindByte(p, stop, '\n');
      if (p == stop) {
        CsvOutcome outcome = OutOfData(more_may_follow, truncated || size >= limit, false);
        if (outcome == CsvOutcome::kRecord) consumed_ = static_cast<size_t>(p - data);
        return outcome;
      }
      if (*p == delimiter_) {
        ++p;
        continue;
      }
      if (*p == '\n') {
        consumed_ = static_cast<size_t>(p + 1 - data);
        ++line_breaks_;
        return CsvOutcome::kRecord;
      }
      if (*p == '\r') {
        if (p + 1 == stop) {
          CsvOutcome outcome = OutOfData(more_may_follow, truncated || size >= limit, false);
          if (outcome == CsvOutcome::kRecord) consumed_ = static_cast<size_t>(p + 1 - data);
          return outcome;
        }
        if (p[1] == '\n') {
          consumed_ = static_cast<size_t>(p + 2 - data);
          ++line_breaks_;
          return CsvOutcome::kRecord;
        }
      }
      return CsvOutcome::kBadQuote;
    }
    const char* line_end = eol != nullptr ? eol : stop;
    const char* delimiter = FindByte(p, line_end, delimiter_);
    if (delimiter != nullptr) {
      fields_.push_back({std::string_view(p, static_cast<size_t>(delimiter - p)), false});
      p = delimiter + 1;
      continue;
    }
    if (eol == nullptr) {
      CsvOutcome outcome = OutOfData(more_may_follow, truncated || size >= limit, false);
      if (outcome != CsvOutcome::kRecord) return outcome;
      consumed_ = static_cast<size_t>(stop - data);
    } else {
      consumed_ = static_cast<size_t>(eol + 1 - data);
      ++line_breaks_;
    }
    const char* field_end = line_end;
    if (field_end > p && field_end[-1] == '\r') --field_end;
    fields_.push_back({std::string_view(p, static_cast<size_t>(field_end - p)), false});
    return CsvOutcome::kRecord;
  }
}

}  // namespace panorama::ingest_internal
