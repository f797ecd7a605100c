#include "ingest/mapping.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>

#include "core/event.h"
#include "core/source_position.h"
#include "ingest/internal/field_converter.h"
#include "ingest/record_reader.h"

namespace panorama {
namespace {

constexpr size_t kMaxMappingBytes = 1 << 20;
constexpr int kMaxScale = 8;  // keeps 30-digit amounts within ParseDecimalAmount's range

Status ErrorAt(std::string_view source, const YAML::Node& node, std::string_view why) {
  return ErrorAt(source, PositionOf(node.Mark()), why);
}

std::string KindNames() {
  std::string out;
  for (EventKind kind : kAllEventKinds) {
    if (!out.empty()) out += ", ";
    out.append(SchemaFor(kind).plural);
  }
  return out;
}

// Parses one mapping file; holds the source name for messages.
class MappingParser {
 public:
  explicit MappingParser(std::string_view source) : source_(source) {}

  Result<Mapping> Parse(const YAML::Node& root);

 private:
  Result<std::string> Scalar(const YAML::Node& node, std::string_view what) {
    if (!node.IsScalar()) return ErrorAt(source_, node, std::string(what) + " must be a string");
    return node.Scalar();
  }
  Status ParseFormat(const YAML::Node& node, Mapping* mapping);
  Status ParseDelimiter(const YAML::Node& node, Mapping* mapping);
  Status ParseHeader(const YAML::Node& node, Mapping* mapping);
  Status ParseUtcOffset(const YAML::Node& node, Mapping* mapping);
  Status ParseColumn(const YAML::Node& node, bool header, FieldMapping* field);
  Status ParseField(const YAML::Node& key, const YAML::Node& value, bool header,
                    FieldMapping* field);

  std::string source_;
};

Status MappingParser::ParseFormat(const YAML::Node& node, Mapping* mapping) {
  PANO_ASSIGN_OR_RETURN(std::string name, Scalar(node, "format"));
  if (name == "csv") {
    mapping->format = FileFormat::kCsv;
  } else if (name == "jsonl" || name == "ndjson") {
    mapping->format = FileFormat::kJsonLines;
  } else {
    return ErrorAt(source_, node, "unknown format '" + name + "' (expected csv or jsonl)");
  }
  return Status::Ok();
}

Status MappingParser::ParseDelimiter(const YAML::Node& node, Mapping* mapping) {
  PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, "delimiter"));
  if (text == "tab" || text == "\\t") text = "\t";
  if (text.size() != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r' || text[0] == '\0') {
    return ErrorAt(source_, node,
                   "delimiter must be one character other than a quote or a line break");
  }
  mapping->delimiter = text[0];
  return Status::Ok();
}

Status MappingParser::ParseHeader(const YAML::Node& node, Mapping* mapping) {
  PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, "header"));
  if (text == "true") {
    mapping->header = true;
  } else if (text == "false") {
    mapping->header = false;
  } else {
    return ErrorAt(source_, node, "header must be true or false");
  }
  return Status::Ok();
}

Status MappingParser::ParseUtcOffset(const YAML::Node& node, Mapping* mapping) {
  PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, "utc_offset"));
  Status bad = ErrorAt(source_, node, "utc_offset must look like +08:00, -05:30 or Z");
  if (text == "Z" || text == "z") {
    mapping->utc_offset_minutes = 0;
    return Status::Ok();
  }
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return bad;
  auto digit = [&](size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  if (!digit(1) || !digit(2)) return bad;
  int hours = (text[1] - '0') * 10 + (text[2] - '0');
  int minutes = 0;
  size_t pos = 3;
  if (pos < text.size() && text[pos] == ':') ++pos;
  if (pos < text.size()) {
    if (!digit(pos) || !digit(pos + 1) || pos + 2 != text.size()) return bad;
    minutes = (text[pos] - '0') * 10 + (text[pos + 1] - '0');
  } else if (pos != 3) {
    return bad;
  }
  if (hours > 18 || minutes > 59) return bad;
  mapping->utc_offset_minutes = (hours * 60 + minutes) * (text[0] == '-' ? -1 : 1);
  return Status::Ok();
}

Status MappingParser::ParseColumn(const YAML::Node& node, bool header, FieldMapping* field) {
  PANO_ASSIGN_OR_RETURN(std::string column, Scalar(node, "column"));
  if (column.empty()) return ErrorAt(source_, node, "column must not be empty");
  if (!header) {
    int number = 0;
    auto [end, error] = std::from_chars(column.data(), column.data() + column.size(), number);
    if (error != std::errc() || end != column.data() + column.size() || number < 1 ||
        number > 100000) {
      return ErrorAt(source_, node,
                     "with header: false, columns are 1-based numbers, not '" + column + "'");
    }
    field->column_number = number;
  }
  field->column = std::move(column);
  return Status::Ok();
}

Status MappingParser::ParseField(const YAML::Node& key, const YAML::Node& value, bool header,
                                 FieldMapping* field) {
  field->position = PositionOf(key.Mark());
  if (value.IsScalar()) return ParseColumn(value, header, field);
  if (!value.IsMap()) {
    return ErrorAt(source_, value,
                   "field '" + field->field + "' must map to a column name or to a map");
  }
  bool has_column = false;
  for (const auto& entry : value) {
    PANO_ASSIGN_OR_RETURN(std::string name, Scalar(entry.first, "key"));
    const YAML::Node& node = entry.second;
    if (name == "column") {
      PANO_RETURN_IF_ERROR(ParseColumn(node, header, field));
      has_column = true;
    } else if (name == "value") {
      PANO_ASSIGN_OR_RETURN(std::string constant, Scalar(node, "value"));
      if (constant.empty()) return ErrorAt(source_, node, "value must not be empty");
      field->constant = std::move(constant);
    } else if (name == "default") {
      PANO_ASSIGN_OR_RETURN(std::string fallback, Scalar(node, "default"));
      field->default_value = std::move(fallback);
    } else if (name == "format") {
      PANO_ASSIGN_OR_RETURN(std::string format, Scalar(node, "format"));
      if (format == "iso8601") {
        field->time_format = TimeFormat::kIso8601;
      } else if (format == "epoch_s") {
        field->time_format = TimeFormat::kEpochSeconds;
      } else if (format == "epoch_ms") {
        field->time_format = TimeFormat::kEpochMillis;
      } else if (format == "epoch_us") {
        field->time_format = TimeFormat::kEpochMicros;
      } else {
        return ErrorAt(source_, node,
                       "unknown time format '" + format +
                           "' (expected iso8601, epoch_s, epoch_ms or epoch_us)");
      }
    } else if (name == "scale") {
      PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, "scale"));
      int scale = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), scale);
      if (error != std::errc() || end != text.data() + text.size() || scale < -kMaxScale ||
          scale > kMaxScale) {
        return ErrorAt(source_, node,
                       "scale must be an integer from -" + std::to_string(kMaxScale) + " to " +
                           std::to_string(kMaxScale));
      }
      field->scale = scale;
    } else if (name == "map") {
      if (!node.IsMap()) return ErrorAt(source_, node, "map must be a map of values");
      for (const auto& pair : node) {
        PANO_ASSIGN_OR_RETURN(std::string from, Scalar(pair.first, "map key"));
        PANO_ASSIGN_OR_RETURN(std::string to, Scalar(pair.second, "map target"));
        field->value_map.emplace_back(std::move(from), std::move(to));
      }
    } else {
      return ErrorAt(
          source_, entry.first,
          "unknown key '" + name + "' (expected column, value, default, format, scale or map)");
    }
  }
  if (has_column == field->constant.has_value()) {
    return ErrorAt(source_, key,
                   "field '" + field->field + "' needs exactly one of column and value");
  }
  return Status::Ok();
}

Result<Mapping> MappingParser::Parse(const YAML::Node& root) {
  if (!root.IsMap()) return ErrorAt(source_, root, "a mapping file must be a YAML map");
  Mapping mapping;
  mapping.source_name = source_;
  static const std::set<std::string, std::less<>> kTopKeys = {"kind",   "format",     "delimiter",
                                                              "header", "utc_offset", "fields"};
  for (const auto& entry : root) {
    PANO_ASSIGN_OR_RETURN(std::string name, Scalar(entry.first, "key"));
    if (!kTopKeys.contains(name)) {
      return ErrorAt(source_, entry.first,
                     "unknown key '" + name +
                         "' (expected kind, format, delimiter, header, utc_offset or fields)");
    }
  }
  if (YAML::Node node = root["kind"]) {
    PANO_ASSIGN_OR_RETURN(std::string name, Scalar(node, "kind"));
    mapping.kind = KindFromName(name);
    mapping.kind_position = PositionOf(node.Mark());
    if (!mapping.kind) {
      return ErrorAt(source_, node,
                     "unknown kind '" + name + "' (expected one of " + KindNames() + ")");
    }
  }
  if (YAML::Node node = root["format"]) PANO_RETURN_IF_ERROR(ParseFormat(node, &mapping));
  bool jsonl = mapping.format == FileFormat::kJsonLines;
  if (YAML::Node node = root["delimiter"]) {
    if (jsonl) return ErrorAt(source_, node, "delimiter applies to CSV files only");
    PANO_RETURN_IF_ERROR(ParseDelimiter(node, &mapping));
  }
  if (YAML::Node node = root["header"]) {
    if (jsonl) return ErrorAt(source_, node, "header applies to CSV files only");
    PANO_RETURN_IF_ERROR(ParseHeader(node, &mapping));
  }
  if (YAML::Node node = root["utc_offset"]) PANO_RETURN_IF_ERROR(ParseUtcOffset(node, &mapping));
  YAML::Node fields = root["fields"];
  if (!fields) return ErrorAt(source_, root, "a mapping needs a 'fields' map");
  mapping.fields_position = PositionOf(fields.Mark());
  if (!fields.IsMap() || fields.size() == 0) {
    return ErrorAt(source_, fields, "fields must be a non-empty map");
  }
  for (const auto& entry : fields) {
    FieldMapping field;
    PANO_ASSIGN_OR_RETURN(field.field, Scalar(entry.first, "field name"));
    if (mapping.Find(field.field) != nullptr) {
      return ErrorAt(source_, entry.first, "field '" + field.field + "' is mapped twice");
    }
    PANO_RETURN_IF_ERROR(ParseField(entry.first, entry.second, mapping.header, &field));
    mapping.fields.push_back(std::move(field));
  }
  if (mapping.kind) PANO_RETURN_IF_ERROR(CheckMappingFor(mapping, *mapping.kind));
  return mapping;
}

// Checks a constant, default or map target as a value of field `field`.
Status CheckValue(const Mapping& mapping, const FieldMapping& rule, const FieldSpec& spec,
                  int field, std::string_view what, std::string_view text, Event* scratch) {
  ingest_internal::ValueContext context;
  context.time_format = rule.time_format;
  context.utc_offset_minutes = mapping.utc_offset_minutes;
  context.scale = rule.scale;
  context.validate_only = true;
  Status status = ingest_internal::ConvertValue(spec, field, text, context, scratch);
  if (status.ok()) return status;
  return ErrorAt(mapping.source_name, rule.position,
                 "field '" + rule.field + "': " + std::string(what) + " '" + std::string(text) +
                     "' is not valid: " + status.message());
}

}  // namespace

const FieldMapping* Mapping::Find(std::string_view name) const {
  for (const FieldMapping& field : fields) {
    if (field.field == name) return &field;
  }
  return nullptr;
}

Status CheckMappingFor(const Mapping& mapping, EventKind kind) {
  const EventSchema& schema = SchemaFor(kind);
  if (mapping.kind && *mapping.kind != kind) {
    return ErrorAt(mapping.source_name, mapping.kind_position,
                   "the mapping is for " + std::string(SchemaFor(*mapping.kind).plural) + ", not " +
                       std::string(schema.plural));
  }
  Event scratch(kind);
  for (const FieldMapping& rule : mapping.fields) {
    int field = schema.FieldIndex(rule.field);
    if (field < 0) {
      return ErrorAt(mapping.source_name, rule.position,
                     "unknown field '" + rule.field + "' for " + std::string(schema.plural));
    }
    const FieldSpec& spec = schema.fields[static_cast<size_t>(field)];
    if (rule.time_format != TimeFormat::kIso8601 && spec.type != FieldType::kTimestamp) {
      return ErrorAt(mapping.source_name, rule.position,
                     "field '" + rule.field + "': format applies to timestamps only");
    }
    if (rule.scale != 0 && spec.type != FieldType::kAmount) {
      return ErrorAt(mapping.source_name, rule.position,
                     "field '" + rule.field + "': scale applies to amounts only");
    }
    if (rule.constant) {
      PANO_RETURN_IF_ERROR(
          CheckValue(mapping, rule, spec, field, "value", *rule.constant, &scratch));
    }
    if (rule.default_value && !rule.default_value->empty()) {
      PANO_RETURN_IF_ERROR(
          CheckValue(mapping, rule, spec, field, "default", *rule.default_value, &scratch));
    }
    for (const auto& [from, to] : rule.value_map) {
      if (to.empty()) continue;  // maps a value to "absent"
      PANO_RETURN_IF_ERROR(CheckValue(mapping, rule, spec, field, "map target", to, &scratch));
    }
  }
  for (const FieldSpec& spec : schema.fields) {
    if (spec.required && mapping.Find(spec.name) == nullptr) {
      return ErrorAt(mapping.source_name, mapping.fields_position,
                     "required field '" + std::string(spec.name) + "' of " +
                         std::string(schema.plural) + " is not mapped");
    }
  }
  return Status::Ok();
}

Result<Mapping> ParseMapping(std::string_view yaml, std::string_view source_name) {
  MappingParser parser(source_name);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return parser.Parse(root);
  } catch (const YAML::Exception& e) {
    return ErrorAt(source_name, PositionOf(e.mark), e.msg);
  } catch (const std::exception& e) {
    return ErrorAt(source_name, MappingPosition{}, std::string("cannot parse: ") + e.what());
  }
}

Result<Mapping> LoadMapping(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open mapping file " + path);
  std::string text;
  text.resize(kMaxMappingBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::IOError("cannot read mapping file " + path);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxMappingBytes) {
    return Status::InvalidArgument("mapping file " + path + " is larger than 1 MiB");
  }
  return ParseMapping(text, path);
}

}  // namespace panorama
