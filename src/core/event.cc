#include "core/event.h"

#include <cstdio>

#include "core/money.h"

namespace panorama {

void Event::Reset(EventKind kind) {
  kind_ = kind;
  present_ = 0;
  text_.clear();
}

void Event::set_str(int field, std::string_view value) {
  auto f = static_cast<size_t>(field);
  str_offset_[f] = static_cast<uint32_t>(text_.size());
  str_length_[f] = static_cast<uint32_t>(value.size());
  text_.append(value);
  present_ |= 1U << field;
}

void Event::AppendKey(std::string* out) const {
  out->push_back(static_cast<char>(kind_));
  out->append(id());
  if (schema().key_includes_ts) {
    // A separator that cannot occur inside an id, then the big-endian timestamp.
    out->push_back('\0');
    auto bits = static_cast<uint64_t>(ts());
    for (int shift = 56; shift >= 0; shift -= 8) {
      out->push_back(static_cast<char>((bits >> shift) & 0xFF));
    }
  }
}

std::string FormatField(const Event& event, int field) {
  if (!event.has(field)) return "";
  const FieldSpec& spec = event.schema().fields[static_cast<size_t>(field)];
  switch (spec.type) {
    case FieldType::kId:
    case FieldType::kText:
    case FieldType::kCountry:
    case FieldType::kIp:
      return std::string(event.str(field));
    case FieldType::kTimestamp:
      return FormatIso8601(event.num(field));
    case FieldType::kAmount: {
      int exponent = 2;
      if (event.has(spec.currency_field)) {
        auto currency = Currency::FromPacked(static_cast<uint16_t>(event.num(spec.currency_field)));
        if (currency) exponent = currency->Exponent();
      }
      return FormatAmount(event.num(field), exponent);
    }
    case FieldType::kCurrency: {
      auto currency = Currency::FromPacked(static_cast<uint16_t>(event.num(field)));
      return currency ? currency->Code() : "";
    }
    case FieldType::kEnum: {
      auto index = static_cast<size_t>(event.num(field));
      return index < spec.values.size() ? std::string(spec.values[index]) : "";
    }
    case FieldType::kInt:
      return std::to_string(event.num(field));
    case FieldType::kBool:
      return event.num(field) != 0 ? "true" : "false";
    case FieldType::kReal: {
      char buf[32];
      int n = std::snprintf(buf, sizeof buf, "%.17g", event.real(field));
      return std::string(buf, static_cast<size_t>(n));
    }
  }
  return "";
}

std::string Event::DebugString() const {
  std::string out(KindName(kind_));
  out += " {";
  bool first = true;
  for (int i = 0; i < schema().field_count(); ++i) {
    if (!has(i)) continue;
    out += first ? " " : ", ";
    first = false;
    out += schema().fields[static_cast<size_t>(i)].name;
    out += '=';
    out += FormatField(*this, i);
  }
  out += " }";
  return out;
}

bool operator==(const Event& a, const Event& b) {
  if (a.kind_ != b.kind_ || a.present_ != b.present_) return false;
  for (int i = 0; i < a.schema().field_count(); ++i) {
    if (!a.has(i)) continue;
    if (StorageOf(a.schema().fields[static_cast<size_t>(i)].type) == StorageClass::kString) {
      if (a.str(i) != b.str(i)) return false;
    } else if (a.num(i) != b.num(i)) {
      return false;
    }
  }
  return true;
}

}  // namespace panorama
