// JsonLinesReader: one JSON object per line. Keys are canonical field names, or, with a
// mapping, source keys and dotted paths into nested objects. Numbers are taken from their
// text, never through a double, so that amounts convert exactly.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "ingest/internal/reader_base.h"

namespace panorama::ingest_internal {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kMaxUnknownKeysReported = 64;

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; });
}

std::string_view TypeName(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "an unknown value";
}

class JsonLinesReader final : public ReaderBase {
 public:
  JsonLinesReader(std::string name, std::unique_ptr<InputSource> source,
                  const ReaderOptions& options)
      : ReaderBase(std::move(name), std::move(source), options) {}

  Status Init();
  Outcome Next(Event* event, Reject* reject) override;

 private:
  int AddSlot(std::string_view path);
  int SlotOf(std::string_view path) const;
  bool IsPrefix(std::string_view path) const;
  // Reads the members of `object`, whose path is in path_, into values_. On failure fills
  // reject->field and reject->reason.
  bool ReadObject(od::object object, int depth, Reject* reject);
  bool ReadValue(od::value value, int depth, Reject* reject);
  bool ParseLine(std::string_view line, Event* event, Reject* reject);
  void NoteUnknownKey(std::string_view key);
  bool Fail(Reject* reject, int slot, std::string_view reason);

  std::vector<std::string> slot_paths_;
  std::vector<std::string> slot_fields_;  // the canonical field a slot feeds, for messages
  std::vector<std::string> prefixes_;     // paths of objects that lead to wanted keys
  std::vector<SourceValue> values_;
  std::vector<uint8_t> seen_;
  std::unique_ptr<char[]> padded_;
  size_t padded_capacity_ = 0;
  od::parser parser_;
  std::string path_;
  std::set<std::string, std::less<>> unknown_keys_;
  std::string_view line_text_;
};

int JsonLinesReader::AddSlot(std::string_view path) {
  int slot = SlotOf(path);
  if (slot >= 0) return slot;
  slot_paths_.emplace_back(path);
  slot_fields_.emplace_back();
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    std::string prefix(path.substr(0, dot));
    if (std::find(prefixes_.begin(), prefixes_.end(), prefix) == prefixes_.end()) {
      prefixes_.push_back(std::move(prefix));
    }
  }
  return static_cast<int>(slot_paths_.size()) - 1;
}

int JsonLinesReader::SlotOf(std::string_view path) const {
  for (size_t i = 0; i < slot_paths_.size(); ++i) {
    if (slot_paths_[i] == path) return static_cast<int>(i);
  }
  return -1;
}

bool JsonLinesReader::IsPrefix(std::string_view path) const {
  return std::find(prefixes_.begin(), prefixes_.end(), path) != prefixes_.end();
}

Status JsonLinesReader::Init() {
  const EventSchema& schema = SchemaFor(options_.kind);
  if (options_.mapping == nullptr) {
    for (int field = 0; field < schema.field_count(); ++field) {
      int slot = AddSlot(schema.fields[static_cast<size_t>(field)].name);
      slot_fields_[static_cast<size_t>(slot)] = schema.fields[static_cast<size_t>(field)].name;
      converter_.Bind(field, slot, nullptr, "");
    }
  } else {
    const Mapping& mapping = *options_.mapping;
    if (!mapping.header) {
      return Status::InvalidArgument(mapping.source_name +
                                     ": header: false applies to CSV files only, and " + name_ +
                                     " is JSON Lines");
    }
    for (const FieldMapping& rule : mapping.fields) {
      int field = schema.FieldIndex(rule.field);
      if (rule.constant) {
        converter_.Bind(field, -1, &rule, "");
        continue;
      }
      int slot = AddSlot(rule.column);
      if (slot_fields_[static_cast<size_t>(slot)].empty()) {
        slot_fields_[static_cast<size_t>(slot)] = rule.field;
      }
      converter_.Bind(field, slot, &rule, rule.column != rule.field ? "key " + rule.column : "");
    }
  }
  values_.resize(slot_paths_.size());
  seen_.resize(slot_paths_.size());
  path_.reserve(256);
  SkipByteOrderMark();
  return Status::Ok();
}

void JsonLinesReader::NoteUnknownKey(std::string_view key) {
  if (unknown_keys_.size() >= kMaxUnknownKeysReported || unknown_keys_.contains(key)) return;
  unknown_keys_.emplace(key);
  std::string shown(key.substr(0, 64));
  warnings_.push_back(name_ + ": key '" + shown + "' is not in the " +
                      std::string(SchemaFor(options_.kind).plural) +
                      (options_.mapping != nullptr ? " mapping" : " schema") + " and is ignored");
}

bool JsonLinesReader::Fail(Reject* reject, int slot, std::string_view reason) {
  reject->field = slot >= 0 ? slot_fields_[static_cast<size_t>(slot)] : std::string();
  reject->reason.assign(reason);
  return false;
}

bool JsonLinesReader::ReadValue(od::value value, int depth, Reject* reject) {
  od::json_type type;
  if (auto error = value.type().get(type)) {
    return Fail(reject, -1, std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  int slot = SlotOf(path_);
  if (type == od::json_type::object && slot < 0 && IsPrefix(path_)) {
    od::object object;
    if (auto error = value.get_object().get(object)) {
      return Fail(reject, -1, std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    return ReadObject(object, depth + 1, reject);
  }
  if (slot < 0) {
    if (!IsPrefix(path_)) NoteUnknownKey(path_);
    return true;
  }
  auto index = static_cast<size_t>(slot);
  if (seen_[index] != 0) return Fail(reject, slot, "duplicate key '" + path_ + "'");
  seen_[index] = 1;
  SourceValue& out = values_[index];
  switch (type) {
    case od::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) {
        return Fail(reject, slot,
                    std::string("invalid JSON string: ") + simdjson::error_message(error));
      }
      out = {text, true};
      return true;
    }
    case od::json_type::number: {
      std::string_view token = value.raw_json_token();
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                                token.back() == '\r' || token.back() == '\n')) {
        token.remove_suffix(1);
      }
      double ignored = 0;
      if (value.get_double().get(ignored) != simdjson::SUCCESS) {
        return Fail(reject, slot, path_ + ": invalid JSON number");
      }
      out = {token, false};
      return true;
    }
    case od::json_type::boolean: {
      bool flag = false;
      if (auto error = value.get_bool().get(flag)) {
        return Fail(reject, slot, std::string("invalid JSON: ") + simdjson::error_message(error));
      }
      out = {flag ? std::string_view("true") : std::string_view("false"), false};
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
        return Fail(reject, slot, path_ + ": invalid JSON literal");
      }
      return true;
    }
    case od::json_type::array:
    case od::json_type::object:
      break;
  }
  return Fail(
      reject, slot,
      path_ + ": expected a string, number, boolean or null, found " + std::string(TypeName(type)));
}

bool JsonLinesReader::ReadObject(od::object object, int depth, Reject* reject) {
  for (auto member : object) {
    std::string_view key;
    if (auto error = member.unescaped_key().get(key)) {
      return Fail(reject, -1, std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    size_t saved = path_.size();
    if (depth > 0) path_ += '.';
    path_.append(key);
    od::value value;
    if (auto error = member.value().get(value)) {
      return Fail(reject, -1, std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    if (!ReadValue(value, depth, reject)) return false;
    path_.resize(saved);
  }
  return true;
}

bool JsonLinesReader::ParseLine(std::string_view line, Event* event, Reject* reject) {
  if (padded_capacity_ < line.size() + simdjson::SIMDJSON_PADDING) {
    // Grows geometrically up to the longest record allowed, then stays.
    padded_capacity_ =
        std::min(std::max(2 * padded_capacity_, line.size() + 4096), options_.max_record_bytes) +
        simdjson::SIMDJSON_PADDING;
    padded_ = std::make_unique_for_overwrite<char[]>(padded_capacity_);
  }
  std::memcpy(padded_.get(), line.data(), line.size());
  std::memset(padded_.get() + line.size(), 0, simdjson::SIMDJSON_PADDING);
  std::fill(values_.begin(), values_.end(), SourceValue{});
  std::fill(seen_.begin(), seen_.end(), 0);
  path_.clear();
  od::document document;
  if (auto error = parser_.iterate(padded_.get(), line.size(), padded_capacity_).get(document)) {
    return Fail(reject, -1, std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  od::object object;
  if (auto error = document.get_object().get(object)) {
    return Fail(reject, -1,
                error == simdjson::INCORRECT_TYPE
                    ? std::string("a JSON Lines record must be an object")
                    : std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  if (!ReadObject(object, 0, reject)) return false;
  // current_location() succeeds only while bytes remain after the object.
  if (document.current_location().error() == simdjson::SUCCESS)
    return Fail(reject, -1, "invalid JSON: text after the object");
  return converter_.Convert(values_, event, reject);
}

RecordReader::Outcome JsonLinesReader::Next(Event* event, Reject* reject) {
  const size_t limit = options_.max_record_bytes + 2;
  while (!ended_) {
    if (TakeIoError(reject)) return Outcome::kReject;
    if (!SkipBlankLines()) {
      if (TakeIoError(reject)) return Outcome::kReject;
      break;
    }
    line_ = next_line_;
    const char* data = source_->data();
    size_t size = source_->size();
    const void* newline = std::memchr(data, '\n', std::min(size, limit));
    if (newline == nullptr && size < limit && !source_->eof()) {
      Fill();
      continue;
    }
    size_t consumed = newline != nullptr
                          ? static_cast<size_t>(static_cast<const char*>(newline) - data) + 1
                          : std::min(size, limit);
    std::string_view line(data, newline != nullptr ? consumed - 1 : consumed);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > options_.max_record_bytes) {
      FillReject(
          reject, "",
          "record longer than the limit of " + std::to_string(options_.max_record_bytes) + " bytes",
          FirstLine());
      SkipFirstLine();
      return Outcome::kReject;
    }
    next_line_ = line_ + 1;
    if (IsBlank(line)) {
      source_->Consume(consumed);
      continue;
    }
    bool converted = ParseLine(line, event, reject);
    if (!converted) FinishReject(reject, line);
    source_->Consume(consumed);
    return converted ? Outcome::kEvent : Outcome::kReject;
  }
  ended_ = true;
  return Outcome::kEnd;
}

}  // namespace

Result<std::unique_ptr<RecordReader>> MakeJsonLinesReader(std::string name,
                                                          std::unique_ptr<InputSource> source,
                                                          const ReaderOptions& options) {
  auto reader = std::make_unique<JsonLinesReader>(std::move(name), std::move(source), options);
  PANO_RETURN_IF_ERROR(reader->Init());
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace panorama::ingest_internal
