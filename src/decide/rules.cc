// Rule sets: the YAML file (docs/rules.md "The file") into a RuleSet whose conditions are
// compiled by the rule language (internal/rule_language.h). Every problem is reported as
// "file:line:column: reason"; inside a condition the column is that of the offending token.
#include "decide/rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include "core/schema.h"
#include "core/source_position.h"
#include "decide/internal/rule_language.h"

namespace panorama::decide {

struct RuleSet::Program {
  internal::Program code;
};

namespace {

constexpr size_t kMaxFileBytes = size_t{1} << 20;
constexpr size_t kMaxRules = 1000;
constexpr size_t kMaxLists = 256;
constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxTextBytes = 4096;  // descriptions
constexpr int64_t kMaxPoints = 1000;
constexpr int64_t kMaxThreshold = 1000;

constexpr std::pair<std::string_view, ListType> kListTypes[] = {
    {"customer", ListType::kCustomer}, {"account", ListType::kAccount}, {"card", ListType::kCard},
    {"merchant", ListType::kMerchant}, {"device", ListType::kDevice},   {"ip", ListType::kIp},
    {"country", ListType::kCountry},
};
constexpr std::pair<std::string_view, ListKind> kListKinds[] = {{"allow", ListKind::kAllow},
                                                                {"deny", ListKind::kDeny}};

// [a-z0-9_]{1,64}, and '-' too when allow_dash (a rule set's own name).
bool ValidId(std::string_view id, bool allow_dash) {
  if (id.empty() || id.size() > kMaxNameBytes) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-');
  });
}

bool ValidVersion(std::string_view version) {
  if (version.empty() || version.size() > kMaxNameBytes) return false;
  return std::all_of(version.begin(), version.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

template <typename T, size_t N>
std::string NamesOf(const std::pair<std::string_view, T> (&table)[N]) {
  std::string out;
  for (const auto& [name, value] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// The file position of byte `column` (1-based) of the condition held by scalar `node`.
// yaml-cpp's mark is the scalar's first byte (its quote or block indicator); the condition
// is matched against the source from there, a line break in the source (with its
// indentation) standing for the space or newline it folds into. Where they cannot be
// matched (escapes in a double-quoted scalar) the position is where the text starts.
SourcePosition ConditionPosition(std::string_view source, const YAML::Node& node, size_t column) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.pos < 0 || static_cast<size_t>(mark.pos) >= source.size()) {
    return PositionOf(mark);
  }
  const size_t begin = static_cast<size_t>(mark.pos);
  auto position_at = [&](size_t offset) {
    SourcePosition at{mark.line + 1, mark.column + 1};
    for (size_t i = begin; i < offset; ++i) {
      if (source[i] == '\n') {
        ++at.line;
        at.column = 1;
      } else {
        ++at.column;
      }
    }
    return at;
  };
  auto skip_blanks = [&](size_t j, size_t most) {
    for (size_t n = 0; n < most && j < source.size() && (source[j] == ' ' || source[j] == '\t');
         ++n) {
      ++j;
    }
    return j;
  };
  // A block scalar's lines keep what is indented beyond its first line; other scalars drop
  // the indentation of continued lines.
  size_t indent = std::numeric_limits<size_t>::max();
  size_t j = begin;
  char quote = 0;
  if (source[j] == '"' || source[j] == '\'') {
    quote = source[j++];
  } else if (source[j] == '|' || source[j] == '>') {
    const size_t newline = source.find('\n', j);
    if (newline == std::string_view::npos) return PositionOf(mark);
    j = skip_blanks(newline + 1, indent);
    indent = j - newline - 1;
  }
  const size_t start = j;
  const std::string& value = node.Scalar();
  const size_t wanted = std::min(column > 0 ? column - 1 : 0, value.size());
  for (size_t i = 0; i < wanted; ++i) {
    if (j >= source.size()) return position_at(start);
    const char c = value[i];
    const char s = source[j];
    if (quote == '"' && s == '\\') return position_at(start);
    if (quote == '\'' && s == '\'') {
      if (c != '\'' || j + 1 >= source.size() || source[j + 1] != '\'') {
        return position_at(start);
      }
      j += 2;
      continue;
    }
    if (s == c && s != '\n') {
      ++j;
      continue;
    }
    if (c == ' ' || c == '\n') {  // a folded line break
      size_t k = skip_blanks(j, std::numeric_limits<size_t>::max());
      if (k < source.size() && source[k] == '\r') ++k;
      if (k < source.size() && source[k] == '\n') {
        j = skip_blanks(k + 1, indent);
        continue;
      }
    }
    return position_at(start);
  }
  return position_at(j);
}

struct Parsed {
  std::string name;
  std::string version;
  std::string description;
  int review_at = 500;
  int decline_at = 800;
  std::vector<ListDecl> lists;
  std::vector<Rule> rules;
  internal::Program program;
};

class RuleSetParser {
 public:
  RuleSetParser(std::string_view source, std::string file, const features::FeatureSpec* spec)
      : source_(source), file_(std::move(file)), spec_(spec) {}

  Status Parse(const YAML::Node& root, Parsed* out) {
    if (!root.IsMap()) return Error(root, "a rule set is a map with name, version and rules");
    PANO_RETURN_IF_ERROR(CheckKeys(
        root, {"name", "version", "description", "policy", "lists", "rules"}, "a rule set"));
    const YAML::Node name = root["name"];
    if (!name) return Error(root, "missing 'name'");
    PANO_ASSIGN_OR_RETURN(out->name, Scalar(name, "name"));
    if (!ValidId(out->name, true)) {
      return Error(name, "name '" + out->name + "' must be 1-64 of a-z, 0-9, _ and -");
    }
    const YAML::Node version = root["version"];
    if (!version) return Error(root, "missing 'version'");
    PANO_ASSIGN_OR_RETURN(out->version, Scalar(version, "version"));
    if (!ValidVersion(out->version)) {
      return Error(version, "version '" + out->version +
                                "' must be 1-64 printable characters without spaces");
    }
    if (const YAML::Node n = root["description"]) {
      PANO_ASSIGN_OR_RETURN(out->description, Text(n, "description"));
    }
    if (const YAML::Node policy = root["policy"]) PANO_RETURN_IF_ERROR(ParsePolicy(policy, out));
    if (const YAML::Node lists = root["lists"]) {
      if (!lists.IsSequence()) return Error(lists, "'lists' must be a list of lists");
      if (lists.size() > kMaxLists) {
        return Error(lists, "more than " + std::to_string(kMaxLists) + " lists");
      }
      for (const YAML::Node& node : lists) PANO_RETURN_IF_ERROR(ParseList(node, out));
    }
    const YAML::Node rules = root["rules"];
    if (!rules) return Error(root, "missing 'rules'");
    if (!rules.IsSequence()) return Error(rules, "'rules' must be a list of rules");
    if (rules.size() > kMaxRules) {
      return Error(rules, "more than " + std::to_string(kMaxRules) + " rules");
    }
    internal::Compiler compiler(spec_, out->lists);
    for (const YAML::Node& node : rules) PANO_RETURN_IF_ERROR(ParseRule(node, &compiler, out));
    auto program = compiler.Finish();
    if (!program.ok()) return ErrorAt(file_, {}, program.status().message());
    out->program = std::move(program).value();
    return Status::Ok();
  }

 private:
  Status Error(const YAML::Node& node, const std::string& reason) const {
    return ErrorAt(file_, PositionOf(node.Mark()), reason);
  }

  // Unknown and repeated keys are errors, and so are keys without a value (but for
  // descriptions and lists): a key's null value has the position of whatever follows it.
  Status CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                   std::string_view where) const {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) return Error(entry.first, "a key must be a plain name");
      const std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) return Error(entry.first, "key '" + key + "' appears twice");
      if (entry.second.IsNull() && key != "description" && key != "lists" &&
          std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
        return Error(entry.first, "'" + key + "' needs a value");
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string message =
            "unknown key '" + key + "' in " + std::string(where) + "; expected one of ";
        for (std::string_view a : allowed) {
          if (a != *allowed.begin()) message += ", ";
          message += a;
        }
        return Error(entry.first, message);
      }
    }
    return Status::Ok();
  }

  Result<std::string> Scalar(const YAML::Node& node, std::string_view what) const {
    if (node.IsNull()) return Error(node, std::string(what) + " needs a value");
    if (!node.IsScalar()) return Error(node, std::string(what) + " must be a single value");
    return node.Scalar();
  }

  Result<std::string> Text(const YAML::Node& node, std::string_view what) const {
    if (node.IsNull()) return std::string();
    PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, what));
    if (text.size() > kMaxTextBytes) {
      return Error(node,
                   std::string(what) + " longer than " + std::to_string(kMaxTextBytes) + " bytes");
    }
    return text;
  }

  Result<int64_t> Integer(const YAML::Node& node, std::string_view what, int64_t min,
                          int64_t max) const {
    PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, what));
    int64_t value = 0;
    const char* first = text.data();
    const char* last = first + text.size();
    // One optional '+' (YAML's "+5"), not followed by a sign of its own ("+-5").
    if (text.size() > 1 && text[0] == '+' && text[1] != '-') ++first;
    auto [end, ec] = std::from_chars(first, last, value);
    if (text.empty() || ec != std::errc() || end != last || value < min || value > max) {
      return Error(node, std::string(what) + " must be an integer in [" + std::to_string(min) +
                             ", " + std::to_string(max) + "], not '" + text + "'");
    }
    return value;
  }

  Result<std::string> Id(const YAML::Node& node, std::string_view what) const {
    PANO_ASSIGN_OR_RETURN(std::string id, Scalar(node, what));
    if (!ValidName(id)) {
      return Error(node,
                   std::string(what) + " '" + id + "' must be 1-64 of a-z, 0-9 and _ (lower case)");
    }
    return id;
  }

  Status ParsePolicy(const YAML::Node& policy, Parsed* out) const {
    if (!policy.IsMap()) return Error(policy, "'policy' must be a map with review_at, decline_at");
    PANO_RETURN_IF_ERROR(CheckKeys(policy, {"review_at", "decline_at"}, "policy"));
    const YAML::Node review = policy["review_at"];
    if (review) {
      PANO_ASSIGN_OR_RETURN(int64_t v, Integer(review, "review_at", 0, kMaxThreshold));
      out->review_at = static_cast<int>(v);
    }
    const YAML::Node decline = policy["decline_at"];
    if (decline) {
      PANO_ASSIGN_OR_RETURN(int64_t v, Integer(decline, "decline_at", 0, kMaxThreshold));
      out->decline_at = static_cast<int>(v);
    }
    if (out->review_at > out->decline_at) {
      return Error(review ? review : decline, "review_at (" + std::to_string(out->review_at) +
                                                  ") must not be above decline_at (" +
                                                  std::to_string(out->decline_at) + ")");
    }
    return Status::Ok();
  }

  Status ParseList(const YAML::Node& node, Parsed* out) const {
    if (!node.IsMap()) return Error(node, "a list is a map with name, kind and type");
    PANO_RETURN_IF_ERROR(CheckKeys(node, {"name", "kind", "type", "description"}, "a list"));
    ListDecl list;
    list.line = PositionOf(node.Mark()).line;
    const YAML::Node name = node["name"];
    if (!name) return Error(node, "a list needs 'name'");
    PANO_ASSIGN_OR_RETURN(list.name, Id(name, "list name"));
    for (const ListDecl& other : out->lists) {
      if (other.name == list.name) {
        return Error(name, "list '" + list.name + "' is declared twice (first on line " +
                               std::to_string(other.line) + ")");
      }
    }
    const YAML::Node kind = node["kind"];
    if (!kind) return Error(node, "list '" + list.name + "' needs 'kind' (allow or deny)");
    PANO_ASSIGN_OR_RETURN(std::string kind_text, Scalar(kind, "kind"));
    if (!ParseListKind(kind_text, &list.kind)) {
      return Error(kind,
                   "kind must be one of " + NamesOf(kListKinds) + ", not '" + kind_text + "'");
    }
    const YAML::Node type = node["type"];
    if (!type) {
      return Error(node, "list '" + list.name + "' needs 'type' (" + NamesOf(kListTypes) + ")");
    }
    PANO_ASSIGN_OR_RETURN(std::string type_text, Scalar(type, "type"));
    if (!ParseListType(type_text, &list.type)) {
      return Error(type,
                   "type must be one of " + NamesOf(kListTypes) + ", not '" + type_text + "'");
    }
    if (const YAML::Node n = node["description"]) {
      PANO_ASSIGN_OR_RETURN(list.description, Text(n, "description"));
    }
    out->lists.push_back(std::move(list));
    return Status::Ok();
  }

  Status ParseAction(const YAML::Node& action, Rule* rule) const {
    if (!action.IsMap()) return Error(action, "'action' must be a map with score, tag or force");
    PANO_RETURN_IF_ERROR(CheckKeys(action, {"score", "tag", "force"}, "an action"));
    if (action.size() == 0) return Error(action, "an action needs score, tag or force");
    if (const YAML::Node score = action["score"]) {
      PANO_ASSIGN_OR_RETURN(int64_t points, Integer(score, "score", -kMaxPoints, kMaxPoints));
      rule->points = static_cast<int>(points);
    }
    if (const YAML::Node tag = action["tag"]) {
      PANO_ASSIGN_OR_RETURN(rule->tag, Id(tag, "tag"));
    }
    if (const YAML::Node force = action["force"]) {
      PANO_ASSIGN_OR_RETURN(std::string text, Scalar(force, "force"));
      if (text == "review") {
        rule->force = Force::kReview;
      } else if (text == "decline") {
        rule->force = Force::kDecline;
      } else {
        return Error(force, "force must be review or decline, not '" + text + "'");
      }
    }
    return Status::Ok();
  }

  Status ParseRule(const YAML::Node& node, internal::Compiler* compiler, Parsed* out) const {
    if (!node.IsMap()) return Error(node, "a rule is a map with id, when and action");
    PANO_RETURN_IF_ERROR(
        CheckKeys(node, {"id", "description", "when", "action", "enabled"}, "a rule"));
    Rule rule;
    rule.line = PositionOf(node.Mark()).line;
    const YAML::Node id = node["id"];
    if (!id) return Error(node, "a rule needs 'id'");
    PANO_ASSIGN_OR_RETURN(rule.id, Id(id, "rule id"));
    for (const Rule& other : out->rules) {
      if (other.id == rule.id) {
        return Error(id, "rule id '" + rule.id + "' is used twice (first on line " +
                             std::to_string(other.line) + ")");
      }
    }
    if (const YAML::Node n = node["description"]) {
      PANO_ASSIGN_OR_RETURN(rule.description, Text(n, "description"));
    }
    if (const YAML::Node enabled = node["enabled"]) {
      PANO_ASSIGN_OR_RETURN(std::string text, Scalar(enabled, "enabled"));
      if (text != "true" && text != "false") {
        return Error(enabled, "enabled must be true or false, not '" + text + "'");
      }
      rule.enabled = text == "true";
    }
    const YAML::Node when = node["when"];
    if (!when) return Error(node, "rule '" + rule.id + "' needs 'when' (its condition)");
    PANO_ASSIGN_OR_RETURN(rule.condition, Scalar(when, "when"));
    const YAML::Node action = node["action"];
    if (!action) return Error(node, "rule '" + rule.id + "' needs 'action'");
    PANO_RETURN_IF_ERROR(ParseAction(action, &rule));
    size_t column = 1;
    Status compiled = compiler->Add(rule.condition, rule.enabled, &column);
    if (!compiled.ok()) {
      return ErrorAt(file_, ConditionPosition(source_, when, column), compiled.message());
    }
    out->rules.push_back(std::move(rule));
    return Status::Ok();
  }

  std::string_view source_;
  std::string file_;
  const features::FeatureSpec* spec_;
};

}  // namespace

std::span<const int> ListFields(ListType type) {
  static constexpr int kCustomer[] = {tx::kCustomerId};
  static constexpr int kAccount[] = {tx::kAccountId, tx::kCounterpartyId};
  static constexpr int kCard[] = {tx::kCardId};
  static constexpr int kMerchant[] = {tx::kMerchantId};
  static constexpr int kDevice[] = {tx::kDeviceId};
  static constexpr int kIp[] = {tx::kIp};
  static constexpr int kCountry[] = {tx::kCountry};
  switch (type) {
    case ListType::kCustomer:
      return kCustomer;
    case ListType::kAccount:
      return kAccount;
    case ListType::kCard:
      return kCard;
    case ListType::kMerchant:
      return kMerchant;
    case ListType::kDevice:
      return kDevice;
    case ListType::kIp:
      return kIp;
    case ListType::kCountry:
      return kCountry;
  }
  return kCustomer;
}

bool ValidName(std::string_view name) { return ValidId(name, false); }

std::string_view ListTypeName(ListType type) {
  for (const auto& [name, value] : kListTypes) {
    if (value == type) return name;
  }
  return "?";
}

std::string_view ListKindName(ListKind kind) {
  for (const auto& [name, value] : kListKinds) {
    if (value == kind) return name;
  }
  return "?";
}

bool ParseListType(std::string_view text, ListType* type) {
  for (const auto& [name, value] : kListTypes) {
    if (name == text) {
      *type = value;
      return true;
    }
  }
  return false;
}

bool ParseListKind(std::string_view text, ListKind* kind) {
  for (const auto& [name, value] : kListKinds) {
    if (name == text) {
      *kind = value;
      return true;
    }
  }
  return false;
}

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;

int RuleSet::ListIndex(std::string_view list_name) const {
  for (size_t i = 0; i < lists_.size(); ++i) {
    if (lists_[i].name == list_name) return static_cast<int>(i);
  }
  return -1;
}

size_t RuleSet::Evaluate(const RuleInput& input, std::span<uint16_t> fired) const {
  return internal::RunFire(program_->code, input, fired);
}

double RuleSet::EvaluateCondition(size_t rule, const RuleInput& input) const {
  return internal::RunValue(program_->code, rule, input);
}

Result<std::shared_ptr<const RuleSet>> ParseRuleSet(std::string_view yaml, const std::string& file,
                                                    const features::FeatureSpec* spec) {
  if (yaml.size() > kMaxFileBytes) {
    return ErrorAt(file, {}, "rule set larger than 1 MiB");
  }
  Parsed parsed;
  try {
    const std::string text(yaml);
    YAML::Node root = YAML::Load(text);
    RuleSetParser parser(text, file, spec);
    PANO_RETURN_IF_ERROR(parser.Parse(root, &parsed));
  } catch (const YAML::Exception& e) {
    return ErrorAt(file, PositionOf(e.mark), e.msg);
  } catch (const std::exception& e) {
    return ErrorAt(file, {}, std::string("cannot parse: ") + e.what());
  }
  auto set = std::shared_ptr<RuleSet>(new RuleSet());
  set->name_ = std::move(parsed.name);
  set->version_ = std::move(parsed.version);
  set->description_ = std::move(parsed.description);
  set->file_ = file;
  set->review_at_ = parsed.review_at;
  set->decline_at_ = parsed.decline_at;
  set->lists_ = std::move(parsed.lists);
  set->rules_ = std::move(parsed.rules);
  set->program_ = std::make_unique<RuleSet::Program>();
  set->program_->code = std::move(parsed.program);
  return std::shared_ptr<const RuleSet>(std::move(set));
}

Result<std::shared_ptr<const RuleSet>> LoadRuleSet(const std::string& path,
                                                   const features::FeatureSpec* spec) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open rule set " + path);
  std::string text;
  text.resize(kMaxFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::IOError("cannot read rule set " + path);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) {
    return Status::InvalidArgument("rule set " + path + " is larger than 1 MiB");
  }
  return ParseRuleSet(text, path, spec);
}

}  // namespace panorama::decide
