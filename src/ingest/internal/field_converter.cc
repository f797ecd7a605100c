#include "ingest/internal/field_converter.h"

#include <arpa/inet.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/money.h"
#include "core/time.h"

namespace panorama::ingest_internal {
namespace {

constexpr size_t kQuotedValueBytes = 40;

// 'value' cut to a readable length, for messages about non-personal fields.
std::string Quote(std::string_view value) {
  std::string out = "'";
  if (value.size() > kQuotedValueBytes) {
    out.append(value.substr(0, kQuotedValueBytes));
    out += "...";
  } else {
    out.append(value);
  }
  out += '\'';
  return out;
}

bool IsAscii(std::string_view text) {
  unsigned char any = 0;
  for (char ch : text) any |= static_cast<unsigned char>(ch);
  return any < 0x80;
}

bool IsValidUtf8(std::string_view text) {
  return IsAscii(text) || simdjson::validate_utf8(text.data(), text.size());
}

char ToLowerAscii(char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; }

bool EqualsIgnoringCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != lower[i]) return false;
  }
  return true;
}

Status CheckId(const FieldSpec& spec, std::string_view text) {
  if (text.size() > spec.max_bytes) {
    return Status::InvalidArgument("id longer than " + std::to_string(spec.max_bytes) + " bytes");
  }
  for (char ch : text) {
    auto byte = static_cast<unsigned char>(ch);
    if (byte <= 0x20 || byte == 0x7F) {
      return Status::InvalidArgument("id contains a space or control character");
    }
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument("id is not valid UTF-8");
  return Status::Ok();
}

Status CheckText(const FieldSpec& spec, std::string_view text) {
  if (text.size() > spec.max_bytes) {
    return Status::InvalidArgument("text longer than " + std::to_string(spec.max_bytes) + " bytes");
  }
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    return Status::InvalidArgument("text contains a NUL byte");
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument("text is not valid UTF-8");
  return Status::Ok();
}

Result<Timestamp> ParseTime(std::string_view text, const ValueContext& context) {
  switch (context.time_format) {
    case TimeFormat::kIso8601:
      return ParseIso8601(text, context.utc_offset_minutes);
    case TimeFormat::kEpochSeconds:
      return ParseEpoch(text, EpochUnit::kSeconds);
    case TimeFormat::kEpochMillis:
      return ParseEpoch(text, EpochUnit::kMillis);
    case TimeFormat::kEpochMicros:
      return ParseEpoch(text, EpochUnit::kMicros);
  }
  return Status::Internal("unknown time format");
}

std::string FormatReal(double value) {
  char buf[32];
  auto [end, error] = std::to_chars(buf, buf + sizeof buf, value);
  return error == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string EnumValues(const FieldSpec& spec) {
  std::string out;
  for (std::string_view value : spec.values) {
    if (!out.empty()) out += ", ";
    out.append(value);
  }
  return out;
}

Result<int64_t> ParseAmount(const FieldSpec& spec, std::string_view text,
                            const ValueContext& context, const Event& event) {
  int exponent = 0;
  if (context.validate_only) {
    exponent = 4;  // the largest exponent of any currency: checks the syntax only
  } else {
    if (!event.has(spec.currency_field)) {
      return Status::InvalidArgument("amount without a valid currency");
    }
    auto currency = Currency::FromPacked(static_cast<uint16_t>(event.num(spec.currency_field)));
    if (!currency) return Status::InvalidArgument("amount without a valid currency");
    exponent = currency->Exponent();
  }
  Result<int64_t> minor = ParseDecimalAmount(text, exponent, context.scale);
  if (!minor.ok()) return minor.status();
  if (*minor < 0) return Status::InvalidArgument("negative amount; refunds use type REFUND");
  return *minor;
}

Result<int64_t> ParseInt(const FieldSpec& spec, std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return Status::InvalidArgument("integer out of range");
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("not an integer: " + Quote(text));
  }
  if (value < spec.min || value > spec.max) {
    return Status::InvalidArgument(std::to_string(value) + " is outside [" +
                                   std::to_string(spec.min) + ", " + std::to_string(spec.max) +
                                   "]");
  }
  return value;
}

Result<double> ParseReal(const FieldSpec& spec, std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return Status::InvalidArgument("not a finite number: " + Quote(text));
  }
  if (value < spec.real_min || value > spec.real_max) {
    return Status::InvalidArgument(Quote(text) + " is outside [" + FormatReal(spec.real_min) +
                                   ", " + FormatReal(spec.real_max) + "]");
  }
  return value;
}

Result<int64_t> ParseBool(std::string_view text) {
  if (EqualsIgnoringCase(text, "true") || EqualsIgnoringCase(text, "yes") || text == "1") {
    return 1;
  }
  if (EqualsIgnoringCase(text, "false") || EqualsIgnoringCase(text, "no") || text == "0") {
    return 0;
  }
  return Status::InvalidArgument("not a boolean (true/false, 1/0, yes/no): " + Quote(text));
}

Status CheckIp(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.size() < sizeof buf) {
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    unsigned char addr[sizeof(struct in6_addr)];
    if (::inet_pton(AF_INET, buf, addr) == 1 || ::inet_pton(AF_INET6, buf, addr) == 1) {
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("not an IPv4 or IPv6 address: " + Quote(text));
}

}  // namespace

void AssignCut(std::string_view text, size_t limit, std::string* out) {
  out->assign(text.substr(0, std::min(text.size(), limit)));
}

int EnumIndexIgnoringCase(const FieldSpec& spec, std::string_view text) {
  char upper[64];
  if (text.size() > sizeof upper) return -1;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    upper[i] = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
  }
  return EnumIndex(spec, std::string_view(upper, text.size()));
}

Status ConvertValue(const FieldSpec& spec, int field, std::string_view text,
                    const ValueContext& context, Event* event) {
  switch (spec.type) {
    case FieldType::kId:
      PANO_RETURN_IF_ERROR(CheckId(spec, text));
      event->set_str(field, text);
      return Status::Ok();
    case FieldType::kText:
      PANO_RETURN_IF_ERROR(CheckText(spec, text));
      if (spec.pii) {
        if (context.validate_only) return Status::Ok();
        if (context.tokenizer == nullptr || context.token_scratch == nullptr) {
          return Status::InvalidArgument(
              "personal data present but no PII key is configured to tokenize it");
        }
        context.tokenizer->Tokenize(text, context.token_scratch);
        event->set_str(field, *context.token_scratch);
        return Status::Ok();
      }
      event->set_str(field, text);
      return Status::Ok();
    case FieldType::kTimestamp: {
      PANO_ASSIGN_OR_RETURN(Timestamp ts, ParseTime(text, context));
      event->set_num(field, ts);
      return Status::Ok();
    }
    case FieldType::kAmount: {
      PANO_ASSIGN_OR_RETURN(int64_t minor, ParseAmount(spec, text, context, *event));
      event->set_num(field, minor);
      return Status::Ok();
    }
    case FieldType::kCurrency: {
      auto currency = Currency::FromCode(text);
      if (!currency) return Status::InvalidArgument("unknown ISO 4217 currency " + Quote(text));
      event->set_num(field, currency->Packed());
      return Status::Ok();
    }
    case FieldType::kEnum: {
      int index = EnumIndexIgnoringCase(spec, text);
      if (index < 0) {
        return Status::InvalidArgument("unknown value " + Quote(text) + " (expected one of " +
                                       EnumValues(spec) + ")");
      }
      event->set_num(field, index);
      return Status::Ok();
    }
    case FieldType::kInt: {
      PANO_ASSIGN_OR_RETURN(int64_t value, ParseInt(spec, text));
      event->set_num(field, value);
      return Status::Ok();
    }
    case FieldType::kReal: {
      PANO_ASSIGN_OR_RETURN(double value, ParseReal(spec, text));
      event->set_real(field, value);
      return Status::Ok();
    }
    case FieldType::kBool: {
      PANO_ASSIGN_OR_RETURN(int64_t value, ParseBool(text));
      event->set_num(field, value);
      return Status::Ok();
    }
    case FieldType::kCountry:
      if (text.size() != 2 || text[0] < 'A' || text[0] > 'Z' || text[1] < 'A' || text[1] > 'Z') {
        return Status::InvalidArgument("not a country code (two upper-case letters): " +
                                       Quote(text));
      }
      event->set_str(field, text);
      return Status::Ok();
    case FieldType::kIp:
      PANO_RETURN_IF_ERROR(CheckIp(text));
      event->set_str(field, text);
      return Status::Ok();
  }
  return Status::Internal("unknown field type");
}

RecordConverter::RecordConverter(EventKind kind, const Mapping* mapping,
                                 const PiiTokenizer* tokenizer)
    : kind_(kind), schema_(SchemaFor(kind)), mapping_(mapping), tokenizer_(tokenizer) {
  token_scratch_.reserve(PiiTokenizer::kTokenLength);
  for (int field = 0; field < schema_.field_count(); ++field) {
    if (schema_.fields[static_cast<size_t>(field)].required) required_mask_ |= 1U << field;
  }
}

void RecordConverter::Bind(int field, int slot, const FieldMapping* rule,
                           const std::string& source_label) {
  Binding binding;
  binding.field = field;
  binding.slot = slot;
  binding.rule = rule;
  binding.label = std::string(schema_.fields[static_cast<size_t>(field)].name);
  if (!source_label.empty()) binding.label += " (" + source_label + ")";
  binding.context.tokenizer = tokenizer_;
  binding.context.token_scratch = &token_scratch_;
  if (mapping_ != nullptr) binding.context.utc_offset_minutes = mapping_->utc_offset_minutes;
  if (rule != nullptr) {
    binding.context.time_format = rule->time_format;
    binding.context.scale = rule->scale;
  }
  bindings_.push_back(std::move(binding));
  std::stable_partition(bindings_.begin(), bindings_.end(), [this](const Binding& b) {
    return schema_.fields[static_cast<size_t>(b.field)].type != FieldType::kAmount;
  });
}

bool RecordConverter::ConvertBinding(const Binding& binding, std::span<const SourceValue> values,
                                     Event* event, Reject* reject) {
  std::string_view text;
  if (binding.slot >= 0 && static_cast<size_t>(binding.slot) < values.size()) {
    const SourceValue& value = values[static_cast<size_t>(binding.slot)];
    text = value.quoted ? value.text : TrimSpaces(value.text);
  }
  const FieldMapping* rule = binding.rule;
  if (rule != nullptr) {
    if (rule->constant) {
      text = *rule->constant;
    } else if (text.empty() && rule->default_value) {
      text = *rule->default_value;
    }
    for (const auto& [from, to] : rule->value_map) {
      if (text == from) {
        text = to;
        break;
      }
    }
  }
  if (text.empty()) return true;  // absent; required fields are checked afterwards
  const FieldSpec& spec = schema_.fields[static_cast<size_t>(binding.field)];
  Status status = ConvertValue(spec, binding.field, text, binding.context, event);
  if (status.ok()) return true;
  reject->field.assign(spec.name);
  reject->reason.assign(binding.label);
  reject->reason += ": ";
  reject->reason += status.message();
  return false;
}

bool RecordConverter::Convert(std::span<const SourceValue> values, Event* event, Reject* reject) {
  event->Reset(kind_);
  for (const Binding& binding : bindings_) {
    if (!ConvertBinding(binding, values, event, reject)) return false;
  }
  if ((event->present_mask() & required_mask_) == required_mask_) return true;
  for (int field = 0; field < schema_.field_count(); ++field) {
    const FieldSpec& spec = schema_.fields[static_cast<size_t>(field)];
    if (spec.required && !event->has(field)) {
      reject->field.assign(spec.name);
      reject->reason.assign(spec.name);
      reject->reason += ": required field is missing or empty";
      return false;
    }
  }
  return true;
}

}  // namespace panorama::ingest_internal
