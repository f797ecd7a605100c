// CsvReader: RFC 4180 files in the canonical layout (a header naming schema fields) or in a
// foreign layout described by a Mapping.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "ingest/internal/csv_parser.h"
#include "ingest/internal/reader_base.h"

namespace panorama::ingest_internal {
namespace {

std::string_view StructuralReason(CsvOutcome outcome) {
  switch (outcome) {
    case CsvOutcome::kTooLong:
      return "record longer than the limit of ";
    case CsvOutcome::kTooManyColumns:
      return "record has too many columns";
    case CsvOutcome::kUnterminatedQuote:
      return "unterminated quoted field";
    case CsvOutcome::kBadQuote:
      return "closing quote followed by something other than a delimiter or line end";
    case CsvOutcome::kRecord:
    case CsvOutcome::kNeedMore:
      break;
  }
  return "malformed record";
}

void AppendQuoted(std::string_view name, std::string* out) {
  out->push_back('\'');
  out->append(name.substr(0, 64));
  out->push_back('\'');
}

class CsvReader final : public ReaderBase {
 public:
  CsvReader(std::string name, std::unique_ptr<InputSource> source, const ReaderOptions& options)
      : ReaderBase(std::move(name), std::move(source), options),
        parser_(options.mapping != nullptr ? options.mapping->delimiter : ',',
                options.max_record_bytes) {}

  Status Init();
  Outcome Next(Event* event, Reject* reject) override;

 private:
  CsvOutcome ParseWithFill();
  std::string StructuralMessage(CsvOutcome outcome) const;
  Status BindCanonical(const std::vector<std::string>& header);
  Status BindMapping(const std::vector<std::string>* header);
  // The record's bytes without its line terminator.
  std::string_view RecordText() const;

  CsvParser parser_;
  size_t expected_columns_ = 0;  // 0: set by the first record (no header)
  size_t needed_columns_ = 0;    // columns the bindings read
};

CsvOutcome CsvReader::ParseWithFill() {
  while (true) {
    CsvOutcome outcome =
        parser_.Parse(source_->data(), source_->size(), source_->eof(), source_->offset());
    if (outcome != CsvOutcome::kNeedMore) return outcome;
    Fill();
  }
}

std::string CsvReader::StructuralMessage(CsvOutcome outcome) const {
  std::string message(StructuralReason(outcome));
  if (outcome == CsvOutcome::kTooLong) {
    message += std::to_string(options_.max_record_bytes) + " bytes";
  }
  return message;
}

std::string_view CsvReader::RecordText() const {
  std::string_view record(source_->data(), parser_.consumed());
  if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
  if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
  return record;
}

Status CsvReader::BindCanonical(const std::vector<std::string>& header) {
  const EventSchema& schema = SchemaFor(options_.kind);
  std::vector<bool> bound(static_cast<size_t>(schema.field_count()), false);
  std::string unknown;
  for (size_t column = 0; column < header.size(); ++column) {
    int field = schema.FieldIndex(header[column]);
    if (field < 0) {
      if (!unknown.empty()) unknown += ", ";
      AppendQuoted(header[column], &unknown);
      continue;
    }
    if (bound[static_cast<size_t>(field)]) {
      return Status::InvalidArgument(name_ + ": column '" + header[column] +
                                     "' appears twice in the header");
    }
    bound[static_cast<size_t>(field)] = true;
    converter_.Bind(field, static_cast<int>(column), nullptr, "");
  }
  for (int field = 0; field < schema.field_count(); ++field) {
    const FieldSpec& spec = schema.fields[static_cast<size_t>(field)];
    if (spec.required && !bound[static_cast<size_t>(field)]) {
      return Status::InvalidArgument(name_ + ": the header lacks required column '" +
                                     std::string(spec.name) + "' of " + std::string(schema.plural));
    }
  }
  if (!unknown.empty()) {
    warnings_.push_back(name_ + ": columns not in the " + std::string(schema.plural) +
                        " schema are ignored: " + unknown);
  }
  return Status::Ok();
}

Status CsvReader::BindMapping(const std::vector<std::string>* header) {
  const Mapping& mapping = *options_.mapping;
  const EventSchema& schema = SchemaFor(options_.kind);
  std::unordered_map<std::string, int> columns;
  if (header != nullptr) {
    for (size_t i = 0; i < header->size(); ++i) {
      auto [it, inserted] = columns.emplace((*header)[i], static_cast<int>(i));
      if (!inserted) it->second = -1;  // ambiguous
    }
  }
  std::vector<bool> used(header != nullptr ? header->size() : 0, false);
  for (const FieldMapping& rule : mapping.fields) {
    int field = schema.FieldIndex(rule.field);
    if (rule.constant) {
      converter_.Bind(field, -1, &rule, "");
      continue;
    }
    int slot = 0;
    std::string label;
    if (header != nullptr) {
      auto it = columns.find(rule.column);
      std::string where = mapping.source_name + ":" + std::to_string(rule.position.line) + ":" +
                          std::to_string(rule.position.column) + ": ";
      if (it == columns.end()) {
        return Status::InvalidArgument(where + "column '" + rule.column + "' of field '" +
                                       rule.field + "' is not in the header of " + name_);
      }
      if (it->second < 0) {
        return Status::InvalidArgument(where + "column '" + rule.column + "' of field '" +
                                       rule.field + "' appears twice in the header of " + name_);
      }
      slot = it->second;
      used[static_cast<size_t>(slot)] = true;
      if (rule.column != rule.field) label = "column " + rule.column;
    } else {
      slot = rule.column_number - 1;
      label = "column " + std::to_string(rule.column_number);
    }
    needed_columns_ = std::max(needed_columns_, static_cast<size_t>(slot) + 1);
    converter_.Bind(field, slot, &rule, label);
  }
  if (header != nullptr) {
    std::string unused;
    for (size_t i = 0; i < used.size(); ++i) {
      if (used[i]) continue;
      if (!unused.empty()) unused += ", ";
      AppendQuoted((*header)[i], &unused);
    }
    if (!unused.empty()) {
      warnings_.push_back(name_ + ": columns not used by the mapping: " + unused);
    }
  }
  return Status::Ok();
}

Status CsvReader::Init() {
  SkipByteOrderMark();
  bool header = options_.mapping == nullptr || options_.mapping->header;
  if (!header) return BindMapping(nullptr);
  if (!SkipBlankLines()) {
    ended_ = true;
    if (io_error_) return *io_error_;
    warnings_.push_back(name_ + ": the file is empty");
    return Status::Ok();
  }
  line_ = next_line_;
  CsvOutcome outcome = ParseWithFill();
  if (io_error_) return *io_error_;
  if (outcome != CsvOutcome::kRecord) {
    return Status::InvalidArgument(name_ + ":" + std::to_string(line_) +
                                   ": cannot read the header: " + StructuralMessage(outcome));
  }
  std::vector<std::string> names;
  for (const SourceValue& value : parser_.fields()) {
    names.emplace_back(value.quoted ? value.text : TrimSpaces(value.text));
  }
  expected_columns_ = names.size();
  source_->Consume(parser_.consumed());
  next_line_ = line_ + parser_.line_breaks();
  if (options_.mapping != nullptr) return BindMapping(&names);
  return BindCanonical(names);
}

RecordReader::Outcome CsvReader::Next(Event* event, Reject* reject) {
  while (!ended_) {
    if (TakeIoError(reject)) return Outcome::kReject;
    if (!SkipBlankLines()) {
      if (TakeIoError(reject)) return Outcome::kReject;
      break;
    }
    line_ = next_line_;
    CsvOutcome outcome = ParseWithFill();
    if (outcome != CsvOutcome::kRecord) {
      FillReject(reject, "", StructuralMessage(outcome), FirstLine());
      SkipFirstLine();
      return Outcome::kReject;
    }
    std::string_view record = RecordText();
    const std::vector<SourceValue>& fields = parser_.fields();
    if (record.size() > options_.max_record_bytes) {
      FillReject(reject, "", StructuralMessage(CsvOutcome::kTooLong), FirstLine());
      SkipFirstLine();
      return Outcome::kReject;
    }
    if (expected_columns_ == 0) expected_columns_ = fields.size();
    if (fields.size() != expected_columns_ || fields.size() < needed_columns_) {
      std::string reason = fields.size() != expected_columns_
                               ? "expected " + std::to_string(expected_columns_) +
                                     " columns, found " + std::to_string(fields.size())
                               : "record has " + std::to_string(fields.size()) +
                                     " columns; the mapping reads column " +
                                     std::to_string(needed_columns_);
      if (std::memchr(record.data(), '\n', record.size()) != nullptr) {
        reason += " (a quoted field spans several lines; resuming at the next line)";
        FillReject(reject, "", reason, FirstLine());
        SkipFirstLine();
      } else {
        FillReject(reject, "", reason, record);
        source_->Consume(parser_.consumed());
        next_line_ = line_ + parser_.line_breaks();
      }
      return Outcome::kReject;
    }
    bool converted = false;
    if (std::memchr(record.data(), '\0', record.size()) != nullptr) {
      FillReject(reject, "", "record contains NUL bytes (binary data)", record);
    } else if (!simdjson::validate_utf8(record.data(), record.size())) {
      FillReject(reject, "", "record is not valid UTF-8", record);
    } else {
      converted = converter_.Convert(fields, event, reject);
      if (!converted) FinishReject(reject, record);
    }
    source_->Consume(parser_.consumed());
    next_line_ = line_ + parser_.line_breaks();
    return converted ? Outcome::kEvent : Outcome::kReject;
  }
  ended_ = true;
  return Outcome::kEnd;
}

}  // namespace

Result<std::unique_ptr<RecordReader>> MakeCsvReader(std::string name,
                                                    std::unique_ptr<InputSource> source,
                                                    const ReaderOptions& options) {
  auto reader = std::make_unique<CsvReader>(std::move(name), std::move(source), options);
  PANO_RETURN_IF_ERROR(reader->Init());
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace panorama::ingest_internal
