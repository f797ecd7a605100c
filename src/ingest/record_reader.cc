#include "ingest/record_reader.h"

#include "ingest/internal/field_converter.h"
#include "ingest/internal/input_source.h"
#include "ingest/internal/reader_base.h"

namespace panorama {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

constexpr size_t kMinRecordBytes = 64;
constexpr size_t kMaxRecordBytes = size_t{1} << 30;

// Checks the options and settles the file format.
Result<FileFormat> Prepare(std::string_view name, const ReaderOptions& options) {
  if (options.max_record_bytes < kMinRecordBytes || options.max_record_bytes > kMaxRecordBytes) {
    return Status::InvalidArgument("max_record_bytes must be between 64 bytes and 1 GiB");
  }
  if (options.mapping != nullptr) {
    PANO_RETURN_IF_ERROR(CheckMappingFor(*options.mapping, options.kind));
  }
  if (options.format) return *options.format;
  if (options.mapping != nullptr && options.mapping->format) return *options.mapping->format;
  return FormatFromPath(name);
}

Result<std::unique_ptr<RecordReader>> Make(std::string name,
                                           std::unique_ptr<ingest_internal::InputSource> source,
                                           FileFormat format, const ReaderOptions& options) {
  if (format == FileFormat::kJsonLines) {
    return ingest_internal::MakeJsonLinesReader(std::move(name), std::move(source), options);
  }
  return ingest_internal::MakeCsvReader(std::move(name), std::move(source), options);
}

}  // namespace

Status ValidateFieldText(EventKind kind, int field, std::string_view text) {
  const EventSchema& schema = SchemaFor(kind);
  if (field < 0 || field >= schema.field_count()) {
    return Status::InvalidArgument("no field " + std::to_string(field) + " in " +
                                   std::string(schema.name));
  }
  if (text.empty()) return Status::InvalidArgument("empty value");
  ingest_internal::ValueContext context;
  context.validate_only = true;
  Event scratch(kind);
  return ingest_internal::ConvertValue(schema.fields[static_cast<size_t>(field)], field, text,
                                       context, &scratch);
}

FileFormat FormatFromPath(std::string_view path) {
  if (EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson") || EndsWith(path, ".json")) {
    return FileFormat::kJsonLines;
  }
  return FileFormat::kCsv;
}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path,
                                                         const ReaderOptions& options) {
  PANO_ASSIGN_OR_RETURN(FileFormat format, Prepare(path, options));
  PANO_ASSIGN_OR_RETURN(auto source,
                        ingest_internal::InputSource::OpenFile(
                            path, ingest_internal::WindowCapacity(options.max_record_bytes)));
  return Make(path, std::move(source), format, options);
}

Result<std::unique_ptr<RecordReader>> RecordReader::FromBuffer(std::string name,
                                                               std::string_view data,
                                                               const ReaderOptions& options) {
  PANO_ASSIGN_OR_RETURN(FileFormat format, Prepare(name, options));
  return Make(std::move(name), ingest_internal::InputSource::FromMemory(data), format, options);
}

}  // namespace panorama
