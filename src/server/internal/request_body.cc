#include "server/internal/request_body.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ingest/record_reader.h"

namespace panorama::server::internal {
namespace {

// Validates without building a document; counts nesting.
class CheckingSax {
 public:
  using json = nlohmann::json;
  bool null() { return true; }
  bool boolean(bool /*value*/) { return true; }
  bool number_integer(json::number_integer_t /*value*/) { return true; }
  bool number_unsigned(json::number_unsigned_t /*value*/) { return true; }
  bool number_float(json::number_float_t /*value*/, const json::string_t& /*text*/) { return true; }
  bool string(json::string_t& /*value*/) { return true; }
  bool binary(json::binary_t& /*value*/) { return true; }
  bool key(json::string_t& /*value*/) { return true; }
  bool start_object(size_t /*elements*/) { return Enter(); }
  bool end_object() { return Leave(); }
  bool start_array(size_t /*elements*/) { return Enter(); }
  bool end_array() { return Leave(); }
  bool parse_error(size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    problem.ok = false;
    std::string_view what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." -> from "parse".
    size_t bracket = what.find("] ");
    if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    problem.reason.assign(what);
    // nlohmann counts the position from 1 (the byte after the error's first one).
    problem.offset = position > 0 ? static_cast<int64_t>(position) - 1 : 0;
    return false;
  }

  JsonProblem problem;

 private:
  bool Enter() {
    if (++depth_ > kMaxJsonDepth) {
      problem.ok = false;
      problem.reason = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    return true;
  }
  bool Leave() {
    --depth_;
    return true;
  }
  int depth_ = 0;
};

bool IsSpace(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// s[i] is '"'; returns the index after the closing quote.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// The end of the value starting at s[i] (valid JSON).
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char ch = s[i];
      if (ch == '"') {
        i = SkipString(s, i);
        continue;
      }
      if (ch == '{' || ch == '[') ++depth;
      if (ch == '}' || ch == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && !IsSpace(s[i]) && s[i] != ',' && s[i] != ']' && s[i] != '}') ++i;
  return i;
}

// The decoded text of the string token s[begin, end) (quotes included).
std::string DecodeKey(std::string_view token) {
  if (token.find('\\') == std::string_view::npos) {
    return std::string(token.substr(1, token.size() - 2));
  }
  try {
    return nlohmann::json::parse(token).get<std::string>();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

JsonProblem CheckJson(std::string_view body) {
  CheckingSax sax;
  try {
    bool ok = nlohmann::json::sax_parse(body.begin(), body.end(), &sax);
    if (!ok && sax.problem.ok) {
      sax.problem.ok = false;
      sax.problem.reason = "invalid JSON";
    }
  } catch (const std::exception& e) {
    sax.problem.ok = false;
    sax.problem.reason = e.what();
  }
  return sax.problem;
}

char FirstByte(std::string_view body) {
  size_t i = SkipSpace(body, 0);
  return i < body.size() ? body[i] : '\0';
}

Result<std::vector<std::string_view>> SplitArray(std::string_view body, std::string_view key,
                                                 size_t max_items) {
  size_t i = SkipSpace(body, 0);
  if (i >= body.size() || body[i] != '{') {
    return Status::InvalidArgument("the body must be a JSON object with an array \"" +
                                   std::string(key) + "\"");
  }
  std::vector<std::string_view> items;
  bool found = false;
  i = SkipSpace(body, i + 1);
  while (i < body.size() && body[i] != '}') {
    size_t key_end = SkipString(body, i);
    std::string name = DecodeKey(body.substr(i, key_end - i));
    i = SkipSpace(body, key_end);
    i = SkipSpace(body, i + 1);  // ':'
    if (name == key) {
      if (found) return Status::InvalidArgument("duplicate key \"" + std::string(key) + "\"");
      found = true;
      if (i >= body.size() || body[i] != '[') {
        return Status::InvalidArgument("\"" + std::string(key) + "\" must be an array");
      }
      i = SkipSpace(body, i + 1);
      while (i < body.size() && body[i] != ']') {
        size_t end = std::max(SkipValue(body, i), i + 1);
        if (items.size() == max_items) {
          return Status::InvalidArgument("\"" + std::string(key) + "\" holds more than " +
                                         std::to_string(max_items) + " items");
        }
        items.push_back(body.substr(i, end - i));
        i = SkipSpace(body, end);
        if (i < body.size() && body[i] == ',') i = SkipSpace(body, i + 1);
      }
      i = SkipSpace(body, i + 1);  // past ']'
    } else {
      i = SkipSpace(body, std::max(SkipValue(body, i), i + 1));
    }
    if (i < body.size() && body[i] == ',') i = SkipSpace(body, i + 1);
  }
  if (!found) return Status::InvalidArgument("missing key \"" + std::string(key) + "\"");
  return items;
}

void TransactionDecoder::Decode(const std::vector<std::string_view>& items,
                                std::vector<Event>* events, std::vector<uint8_t>* ok,
                                std::vector<ItemError>* errors) const {
  const size_t n = items.size();
  events->resize(n);
  ok->assign(n, 0);
  errors->assign(n, ItemError{"", "not read"});
  std::string lines;
  size_t bytes = n;
  for (std::string_view item : items) bytes += item.size();
  lines.reserve(bytes);
  for (size_t k = 0; k < n; ++k) {
    std::string_view item = items[k];
    if (FirstByte(item) != '{') {
      (*errors)[k] = {"", "a transaction must be a JSON object"};
      // Keeps the line numbering: the reader rejects this line as well, and it is ignored.
    }
    const size_t start = lines.size();
    lines.append(item);
    // Raw line breaks can only be whitespace between tokens in valid JSON (strings escape them).
    std::replace_if(
        lines.begin() + static_cast<std::ptrdiff_t>(start), lines.end(),
        [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
    lines.push_back('\n');
  }
  ReaderOptions options;
  options.kind = EventKind::kTransaction;
  options.format = FileFormat::kJsonLines;
  options.tokenizer = &tokenizer_;
  auto reader = RecordReader::FromBuffer("request", lines, options);
  if (!reader.ok()) {
    for (auto& e : *errors) e = {"", reader.status().message()};
    return;
  }
  Event event;
  Reject reject;
  for (;;) {
    RecordReader::Outcome outcome = (*reader)->Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    const uint64_t line =
        outcome == RecordReader::Outcome::kEvent ? (*reader)->line() : reject.line;
    if (line == 0 || line > n) continue;
    const size_t k = line - 1;
    if (FirstByte(items[k]) != '{') continue;
    if (outcome == RecordReader::Outcome::kEvent) {
      std::swap((*events)[k], event);
      (*ok)[k] = 1;
    } else {
      (*errors)[k] = {reject.field, reject.reason};
    }
  }
}

}  // namespace panorama::server::internal
