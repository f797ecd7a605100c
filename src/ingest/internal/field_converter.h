// Field conversion: turns the text of a source value into a validated canonical field of
// an Event, following the schema's FieldSpec and, where given, a mapping's rules.
//
// RecordConverter::Convert is the hot path of ingest: it allocates nothing on success once
// the Event's buffers are warm.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/schema.h"
#include "core/status.h"
#include "ingest/mapping.h"
#include "ingest/pii.h"
#include "ingest/record_reader.h"

namespace panorama::ingest_internal {

// The value of one source column or key in the current record. Empty text means absent.
struct SourceValue {
  std::string_view text;
  bool quoted = false;  // a quoted CSV field or a JSON string: spaces are kept
};

struct ValueContext {
  TimeFormat time_format = TimeFormat::kIso8601;
  std::optional<int> utc_offset_minutes;
  int scale = 0;
  const PiiTokenizer* tokenizer = nullptr;
  std::string* token_scratch = nullptr;  // reused for PII tokens
  // Checks the value without storing a token or requiring a currency (mapping constants).
  bool validate_only = false;
};

// Validates non-empty `text` as a value of `event`'s field `field` and stores it. An amount
// needs the field's currency already set in `event`. The error names no field; the caller
// prefixes it.
Status ConvertValue(const FieldSpec& spec, int field, std::string_view text,
                    const ValueContext& context, Event* event);

// The value index of `text` in enum field `spec`, ignoring ASCII case; -1 when none.
int EnumIndexIgnoringCase(const FieldSpec& spec, std::string_view text);

// Removes ASCII spaces and tabs at both ends.
inline std::string_view TrimSpaces(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return text.substr(begin, end - begin);
}

// Copies at most `limit` bytes of `text` into a reject's record.
void AssignCut(std::string_view text, size_t limit, std::string* out);

inline constexpr size_t kRejectRecordBytes = 1024;

// Fills the canonical fields of one event from the source values of a record.
class RecordConverter {
 public:
  // `mapping` (may be null) and `tokenizer` (may be null) must outlive the converter.
  RecordConverter(EventKind kind, const Mapping* mapping, const PiiTokenizer* tokenizer);

  // Fills `field` from source slot `slot` (-1: no source; a mapping constant or absent).
  // `source_label` names the source column when it differs from the field name.
  void Bind(int field, int slot, const FieldMapping* rule, const std::string& source_label);

  EventKind kind() const { return kind_; }
  // Converts a record. On failure fills reject->field and reject->reason and returns false.
  bool Convert(std::span<const SourceValue> values, Event* event, Reject* reject);

 private:
  struct Binding {
    int field = 0;
    int slot = -1;
    const FieldMapping* rule = nullptr;
    std::string label;  // "amount" or "amount (column Amt)"
    ValueContext context;
  };
  bool ConvertBinding(const Binding& binding, std::span<const SourceValue> values, Event* event,
                      Reject* reject);

  EventKind kind_;
  const EventSchema& schema_;
  const Mapping* mapping_;
  const PiiTokenizer* tokenizer_;
  uint32_t required_mask_ = 0;
  std::vector<Binding> bindings_;  // amounts last: they need their currency first
  std::string token_scratch_;
};

}  // namespace panorama::ingest_internal
