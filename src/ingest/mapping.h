// Mapping: how a foreign file layout (a bank export, a public data set) maps onto the
// canonical schema, so that such files can be ingested without preprocessing.
//
// A mapping is a small YAML file; docs/mapping.md describes its format. ParseMapping checks
// everything it can on its own (syntax, keys, formats, and, when the mapping names its
// `kind`, field names, required fields and constant or mapped values). What depends on the
// event kind chosen at run time or on the data file (columns present in the header) is
// checked by CheckMappingFor and RecordReader::Open. Every error names the mapping file,
// the line and column of the offending node (1-based) and the reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/schema.h"
#include "core/source_position.h"
#include "core/status.h"

namespace panorama {

enum class FileFormat;  // defined in ingest/record_reader.h

// How a source timestamp is written.
enum class TimeFormat { kIso8601, kEpochSeconds, kEpochMillis, kEpochMicros };

// A position inside the mapping file, 1-based; 0 when unknown.
using MappingPosition = SourcePosition;

// How one canonical field is filled.
struct FieldMapping {
  std::string field;  // canonical field name
  MappingPosition position;
  // The source: a column name (CSV with a header), a 1-based column number (CSV without a
  // header, in `column_number`), or a key or dotted path into nested objects (JSON Lines).
  // Empty when the field is a constant.
  std::string column;
  int column_number = 0;
  std::optional<std::string> constant;       // `value:`
  std::optional<std::string> default_value;  // `default:`, used when the source is empty
  TimeFormat time_format = TimeFormat::kIso8601;
  int scale = 0;  // amounts: the decimal point moves this many places (-2: the file holds cents)
  // `map:` source value -> canonical value, tried in order; unmapped values pass through.
  std::vector<std::pair<std::string, std::string>> value_map;
};

struct Mapping {
  std::string source_name;        // the mapping file, for messages
  std::optional<EventKind> kind;  // `kind:`
  MappingPosition kind_position;
  std::optional<FileFormat> format;  // `format:`
  char delimiter = ',';
  bool header = true;
  std::optional<int> utc_offset_minutes;  // offset assumed for timestamps that carry none
  std::vector<FieldMapping> fields;
  MappingPosition fields_position;

  // The mapping of canonical field `name`, or null.
  const FieldMapping* Find(std::string_view name) const;
};

// Parses the YAML text of a mapping; `source_name` names it in errors.
Result<Mapping> ParseMapping(std::string_view yaml, std::string_view source_name);
// Reads and parses a mapping file (at most 1 MiB).
Result<Mapping> LoadMapping(const std::string& path);

// Checks that `mapping` fits event kind `kind`: the mapping's own kind (if any) agrees,
// every field exists, every required field is mapped, options suit the field types, and
// constants, defaults and value-map targets are valid values of their fields.
Status CheckMappingFor(const Mapping& mapping, EventKind kind);

}  // namespace panorama
