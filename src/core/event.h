// Event: one record of any kind, its fields addressed by their schema number.
//
// An Event is reusable scratch space: Clear() keeps its buffers, so that a reader that fills
// the same Event row after row allocates nothing in steady state. String values live in one
// internal buffer; the string_views returned by str() stay valid until the next mutation.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/schema.h"
#include "core/time.h"

namespace panorama {

class Event {
 public:
  explicit Event(EventKind kind = EventKind::kTransaction) : kind_(kind) {}

  EventKind kind() const { return kind_; }
  const EventSchema& schema() const { return SchemaFor(kind_); }
  // Empties the event and sets its kind; keeps allocated buffers.
  void Reset(EventKind kind);

  bool has(int field) const { return (present_ >> field) & 1U; }
  uint32_t present_mask() const { return present_; }
  // Numbers: timestamps, amounts, packed currencies, enum indices, ints, bools (0/1).
  int64_t num(int field) const { return num_[static_cast<size_t>(field)]; }
  double real(int field) const { return std::bit_cast<double>(num_[static_cast<size_t>(field)]); }
  std::string_view str(int field) const {
    return std::string_view(text_).substr(str_offset_[static_cast<size_t>(field)],
                                          str_length_[static_cast<size_t>(field)]);
  }
  Timestamp ts() const { return num_[1]; }
  std::string_view id() const { return str(0); }

  void set_num(int field, int64_t value) {
    num_[static_cast<size_t>(field)] = value;
    present_ |= 1U << field;
  }
  void set_real(int field, double value) { set_num(field, std::bit_cast<int64_t>(value)); }
  // Appends `value` to the string buffer; a field set twice keeps the last value.
  void set_str(int field, std::string_view value);
  void clear_field(int field) { present_ &= ~(1U << field); }

  // The idempotency key: kind, id and, for dated kinds, the timestamp. Appends to `out`.
  void AppendKey(std::string* out) const;

  // A human-readable rendering for diagnostics and `panorama` output: name=value pairs.
  std::string DebugString() const;

  friend bool operator==(const Event& a, const Event& b);

 private:
  EventKind kind_;
  uint32_t present_ = 0;
  std::array<int64_t, kMaxFields> num_{};
  std::array<uint32_t, kMaxFields> str_offset_{};
  std::array<uint32_t, kMaxFields> str_length_{};
  std::string text_;
};

// Renders the value of one present field as text in the canonical file layout
// (ISO 8601 time, decimal amount, enum name...). Empty when the field is absent.
std::string FormatField(const Event& event, int field);

}  // namespace panorama
