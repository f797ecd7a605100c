#include "features/feature_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <string>

#include "core/money.h"
#include "core/schema.h"
#include "core/source_position.h"
#include "features/internal/event_values.h"
#include "features/internal/expression.h"

namespace panorama::features {
namespace {

constexpr size_t kMaxSpecBytes = 1 << 20;
constexpr size_t kMaxFeatures = 1024;
constexpr size_t kMaxNameBytes = 64;

constexpr std::pair<std::string_view, Aggregation> kAggregations[] = {
    {"count", Aggregation::kCount},
    {"sum", Aggregation::kSum},
    {"mean", Aggregation::kMean},
    {"min", Aggregation::kMin},
    {"max", Aggregation::kMax},
    {"stddev", Aggregation::kStddev},
    {"distinct_count", Aggregation::kDistinctCount},
    {"last", Aggregation::kLast},
    {"time_since_last", Aggregation::kTimeSinceLast},
    {"time_since_first", Aggregation::kTimeSinceFirst},
    {"count_value", Aggregation::kCountValue},
    {"ratio", Aggregation::kRatio},
};

// Entity key fields: the ids and categorical fields a transaction can be grouped by.
constexpr int kEntityFields[] = {
    tx::kCustomerId, tx::kAccountId,      tx::kCardId,  tx::kMerchantId, tx::kDeviceId,
    tx::kIp,         tx::kCounterpartyId, tx::kCountry, tx::kCity,       tx::kMcc,
    tx::kChannel,    tx::kType,           tx::kCurrency};

bool ValidName(std::string_view name, bool allow_dash) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  if (!allow_dash && !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-');
  });
}

std::string AggregationList() {
  std::string out;
  for (const auto& [name, agg] : kAggregations) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

class SpecParser {
 public:
  explicit SpecParser(std::string file) : file_(std::move(file)) { spec_.file = file_; }

  Result<FeatureSpec> Parse(const YAML::Node& root) {
    if (!root.IsMap()) return Error(root, "a feature spec is a map with name and features");
    PANO_RETURN_IF_ERROR(
        CheckKeys(root, {"name", "version", "allowed_lateness", "distinct_exact_limit",
                         "hll_precision", "features", "description"}));
    const YAML::Node name = root["name"];
    if (!name) return Error(root, "missing 'name'");
    PANO_ASSIGN_OR_RETURN(spec_.name, Scalar(name, "name"));
    if (!ValidName(spec_.name, true)) {
      return Error(name, "name '" + spec_.name + "' must be 1-64 of a-z, 0-9, _ and -");
    }
    if (const YAML::Node n = root["version"]) {
      PANO_ASSIGN_OR_RETURN(spec_.version, Integer(n, "version", 1, 1'000'000));
    }
    if (const YAML::Node n = root["allowed_lateness"]) {
      PANO_ASSIGN_OR_RETURN(std::string text, Scalar(n, "allowed_lateness"));
      auto duration = ParseDuration(text);
      if (!duration.ok() || *duration == kLifetime) {
        return Error(n, "allowed_lateness: " +
                            (duration.ok() ? std::string("must be a duration, not lifetime")
                                           : duration.status().message()));
      }
      spec_.allowed_lateness = *duration;
    }
    if (const YAML::Node n = root["distinct_exact_limit"]) {
      PANO_ASSIGN_OR_RETURN(int64_t limit, Integer(n, "distinct_exact_limit", 1, 1'000'000));
      spec_.distinct_exact_limit = static_cast<uint32_t>(limit);
    }
    if (const YAML::Node n = root["hll_precision"]) {
      PANO_ASSIGN_OR_RETURN(int64_t precision, Integer(n, "hll_precision", 8, 16));
      spec_.hll_precision = static_cast<int>(precision);
    }
    const YAML::Node features = root["features"];
    if (!features) return Error(root, "missing 'features'");
    if (!features.IsSequence() || features.size() == 0) {
      return Error(features, "'features' must be a non-empty list");
    }
    if (features.size() > kMaxFeatures) {
      return Error(features, "more than " + std::to_string(kMaxFeatures) + " features");
    }
    for (const YAML::Node& node : features) PANO_RETURN_IF_ERROR(ParseFeature(node));
    spec_.fingerprint = Fingerprint();
    return std::move(spec_);
  }

 private:
  Status Error(const YAML::Node& node, const std::string& reason) const {
    return ErrorAt(file_, PositionOf(node.Mark()), reason);
  }
  // An expression error "col N: reason" placed at the scalar's line and column + N - 1.
  Status ExpressionError(const YAML::Node& node, const Status& status) const {
    SourcePosition at = PositionOf(node.Mark());
    std::string_view message = status.message();
    int offset = 1;
    if (message.substr(0, 4) == "col ") {
      size_t colon = message.find(": ");
      int parsed = 0;
      std::from_chars(message.data() + 4, message.data() + colon, parsed);
      offset = parsed;
      message = message.substr(colon + 2);
    }
    // A quoted scalar's mark is its opening quote.
    bool quoted = node.Tag() == "!";
    if (at.line != 0) at.column += offset - 1 + (quoted ? 1 : 0);
    return ErrorAt(file_, at, std::string(message));
  }

  Status CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed) const {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) return Error(entry.first, "key '" + key + "' appears twice");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string message = "unknown key '" + key + "'; expected one of ";
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
    if (!node.IsScalar()) return Error(node, std::string(what) + " must be a single value");
    return node.Scalar();
  }

  Result<int64_t> Integer(const YAML::Node& node, std::string_view what, int64_t min,
                          int64_t max) const {
    PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, what));
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
      return Error(node, std::string(what) + " must be an integer in [" + std::to_string(min) +
                             ", " + std::to_string(max) + "], not '" + text + "'");
    }
    return value;
  }

  Result<int> Keyspace(const YAML::Node& node) {
    PANO_ASSIGN_OR_RETURN(std::string text, Scalar(node, "entity"));
    features::Keyspace keyspace;
    keyspace.name = text;
    size_t start = 0;
    while (start <= text.size()) {
      size_t plus = text.find('+', start);
      if (plus == std::string::npos) plus = text.size();
      std::string part = text.substr(start, plus - start);
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(' ') + 1);
      int field = internal::TransactionField(part);
      if (field < 0 || std::find(std::begin(kEntityFields), std::end(kEntityFields), field) ==
                           std::end(kEntityFields)) {
        return Error(node, "entity: '" + part +
                               "' is not a transaction field an entity can be keyed by "
                               "(customer_id, account_id, card_id, merchant_id, device_id, ip, "
                               "counterparty_id, country, city, mcc, channel, type, currency)");
      }
      if (std::find(keyspace.fields.begin(), keyspace.fields.end(), field) !=
          keyspace.fields.end()) {
        return Error(node, "entity: '" + part + "' appears twice");
      }
      keyspace.fields.push_back(field);
      start = plus + 1;
    }
    keyspace.name.clear();
    for (int field : keyspace.fields) {
      if (!keyspace.name.empty()) keyspace.name += '+';
      keyspace.name += SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)].name;
    }
    for (size_t i = 0; i < spec_.keyspaces.size(); ++i) {
      if (spec_.keyspaces[i].name == keyspace.name) return static_cast<int>(i);
    }
    spec_.keyspaces.push_back(std::move(keyspace));
    return static_cast<int>(spec_.keyspaces.size() - 1);
  }

  static int Resolve(const void* context, std::string_view name) {
    return static_cast<const FeatureSpec*>(context)->FeatureIndex(name);
  }

  Status ParseFeature(const YAML::Node& node) {
    if (!node.IsMap()) return Error(node, "a feature is a map with name, entity and agg");
    PANO_RETURN_IF_ERROR(
        CheckKeys(node, {"name", "entity", "agg", "field", "value", "window", "filter", "numerator",
                         "include_current", "expr", "description"}));
    FeatureDef def;
    def.line = PositionOf(node.Mark()).line;
    const YAML::Node name = node["name"];
    if (!name) return Error(node, "feature without 'name'");
    PANO_ASSIGN_OR_RETURN(def.name, Scalar(name, "name"));
    if (!ValidName(def.name, false)) {
      return Error(name, "feature name '" + def.name +
                             "' must start with a-z and hold only a-z, 0-9 and _ (at most 64)");
    }
    if (spec_.FeatureIndex(def.name) >= 0) {
      return Error(name, "feature '" + def.name + "' is defined twice");
    }

    if (const YAML::Node expr = node["expr"]) {
      for (const char* key : {"entity", "agg", "field", "value", "window", "filter", "numerator",
                              "include_current"}) {
        if (node[key]) {
          return Error(node[key], std::string("a derived feature (expr) takes no '") + key + "'");
        }
      }
      def.aggregation = Aggregation::kDerived;
      PANO_ASSIGN_OR_RETURN(def.expr_text, Scalar(expr, "expr"));
      auto compiled =
          Expression::Compile(def.expr_text, Expression::Mode::kDerived, &Resolve, &spec_);
      if (!compiled.ok()) return ExpressionError(expr, compiled.status());
      def.expr = *compiled;
      spec_.features.push_back(std::move(def));
      return Status::Ok();
    }

    const YAML::Node entity = node["entity"];
    if (!entity) return Error(node, "feature '" + def.name + "' needs 'entity' (or 'expr')");
    PANO_ASSIGN_OR_RETURN(def.keyspace, Keyspace(entity));
    const YAML::Node agg = node["agg"];
    if (!agg) return Error(node, "feature '" + def.name + "' needs 'agg'");
    PANO_ASSIGN_OR_RETURN(std::string agg_text, Scalar(agg, "agg"));
    const auto* found = std::find_if(std::begin(kAggregations), std::end(kAggregations),
                                     [&](const auto& entry) { return entry.first == agg_text; });
    if (found == std::end(kAggregations)) {
      return Error(agg,
                   "unknown aggregation '" + agg_text + "'; expected one of " + AggregationList());
    }
    def.aggregation = found->second;
    Aggregation a = def.aggregation;

    bool numeric = a == Aggregation::kSum || a == Aggregation::kMean || a == Aggregation::kMin ||
                   a == Aggregation::kMax || a == Aggregation::kStddev || a == Aggregation::kLast;
    bool categorical = a == Aggregation::kDistinctCount || a == Aggregation::kCountValue;
    const YAML::Node field = node["field"];
    if (numeric || categorical) {
      if (!field) return Error(node, "agg " + agg_text + " needs 'field'");
      PANO_ASSIGN_OR_RETURN(std::string field_text, Scalar(field, "field"));
      def.field = internal::TransactionField(field_text);
      if (def.field < 0 || def.field == tx::kTs) {
        return Error(field, "unknown transaction field '" + field_text + "'");
      }
      if (numeric && !internal::IsNumericField(def.field)) {
        return Error(field, "agg " + agg_text +
                                " needs a numeric field (amount, mcc, lat, lon, "
                                "hour, channel, type), not '" +
                                field_text + "'");
      }
    } else if (field) {
      return Error(field, "agg " + agg_text + " takes no 'field'");
    }

    const YAML::Node value = node["value"];
    if (a == Aggregation::kCountValue) {
      if (!value) return Error(node, "agg count_value needs 'value'");
      PANO_ASSIGN_OR_RETURN(def.value_text, Scalar(value, "value"));
      auto hash = internal::HashOfText(def.field, def.value_text);
      if (!hash.ok()) return Error(value, hash.status().message());
      def.value_hash = *hash;
    } else if (value) {
      return Error(value, "only agg count_value takes 'value'");
    }

    if (const YAML::Node window = node["window"]) {
      PANO_ASSIGN_OR_RETURN(std::string text, Scalar(window, "window"));
      auto duration = ParseDuration(text);
      if (!duration.ok()) return Error(window, "window: " + duration.status().message());
      if ((a == Aggregation::kTimeSinceLast || a == Aggregation::kTimeSinceFirst) &&
          *duration != kLifetime) {
        return Error(window, "agg " + agg_text + " takes no window (it looks at all history)");
      }
      def.window = *duration;
    }
    if (a == Aggregation::kDistinctCount && def.window == kLifetime) {
      return Error(node, "agg distinct_count needs a finite window (such as 30d or 90d)");
    }

    if (const YAML::Node filter = node["filter"]) {
      PANO_ASSIGN_OR_RETURN(def.filter_text, Scalar(filter, "filter"));
      auto compiled = Expression::Compile(def.filter_text, Expression::Mode::kFilter);
      if (!compiled.ok()) return ExpressionError(filter, compiled.status());
      def.filter = *compiled;
    }
    const YAML::Node numerator = node["numerator"];
    if (a == Aggregation::kRatio) {
      if (!numerator) return Error(node, "agg ratio needs 'numerator' (a condition)");
      PANO_ASSIGN_OR_RETURN(def.numerator_text, Scalar(numerator, "numerator"));
      auto compiled = Expression::Compile(def.numerator_text, Expression::Mode::kFilter);
      if (!compiled.ok()) return ExpressionError(numerator, compiled.status());
      def.numerator = *compiled;
    } else if (numerator) {
      return Error(numerator, "only agg ratio takes 'numerator'");
    }

    if (const YAML::Node include = node["include_current"]) {
      PANO_ASSIGN_OR_RETURN(std::string text, Scalar(include, "include_current"));
      if (text == "true") {
        def.include_current = true;
      } else if (text != "false") {
        return Error(include, "include_current must be true or false, not '" + text + "'");
      }
      if (a == Aggregation::kTimeSinceLast || a == Aggregation::kTimeSinceFirst ||
          a == Aggregation::kLast) {
        if (def.include_current) {
          return Error(include, "agg " + agg_text +
                                    " is about earlier events; include_current "
                                    "does not apply");
        }
      }
    }
    spec_.features.push_back(std::move(def));
    return Status::Ok();
  }

  uint64_t Fingerprint() const {
    std::string canon = "panorama-features-1|" + spec_.name + "|" + std::to_string(spec_.version) +
                        "|" + std::to_string(spec_.allowed_lateness) + "|" +
                        std::to_string(spec_.distinct_exact_limit) + "|" +
                        std::to_string(spec_.hll_precision);
    for (const FeatureDef& f : spec_.features) {
      canon += "\n" + f.name + "|" + std::string(AggregationName(f.aggregation)) + "|" +
               (f.keyspace >= 0 ? spec_.keyspaces[static_cast<size_t>(f.keyspace)].name : "") +
               "|" + std::to_string(f.field) + "|" + std::to_string(f.window) + "|" +
               (f.include_current ? "1" : "0") + "|" + f.filter_text + "|" + f.numerator_text +
               "|" + f.value_text + "|" + f.expr_text;
    }
    return internal::HashBytes(canon);
  }

  std::string file_;
  FeatureSpec spec_;
};

}  // namespace

std::string_view AggregationName(Aggregation aggregation) {
  if (aggregation == Aggregation::kDerived) return "expr";
  for (const auto& [name, agg] : kAggregations) {
    if (agg == aggregation) return name;
  }
  return "?";
}

int FeatureSpec::FeatureIndex(std::string_view feature_name) const {
  for (size_t i = 0; i < features.size(); ++i) {
    if (features[i].name == feature_name) return static_cast<int>(i);
  }
  return -1;
}

Result<Timestamp> ParseDuration(std::string_view text) {
  if (text == "lifetime") return kLifetime;
  if (text.size() < 2) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration (like 90s, 5m, 1h, 7d or lifetime)");
  }
  int64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, count);
  Timestamp unit = 0;
  switch (text.back()) {
    case 's':
      unit = kMicrosPerSecond;
      break;
    case 'm':
      unit = 60 * kMicrosPerSecond;
      break;
    case 'h':
      unit = 3'600 * kMicrosPerSecond;
      break;
    case 'd':
      unit = kMicrosPerDay;
      break;
    default:
      break;
  }
  constexpr int64_t kMaxDays = 36'600;  // a century
  if (ec != std::errc() || end != text.data() + text.size() - 1 || unit == 0 || count <= 0 ||
      count > kMaxDays * kMicrosPerDay / unit) {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is not a duration (a positive count with s, m, h or d, at most 36600d, or lifetime)");
  }
  return count * unit;
}

std::string FormatDuration(Timestamp duration) {
  if (duration == kLifetime) return "lifetime";
  constexpr std::pair<Timestamp, char> kUnits[] = {{kMicrosPerDay, 'd'},
                                                   {3'600 * kMicrosPerSecond, 'h'},
                                                   {60 * kMicrosPerSecond, 'm'},
                                                   {kMicrosPerSecond, 's'}};
  for (const auto& [unit, letter] : kUnits) {
    if (duration % unit == 0) return std::to_string(duration / unit) + letter;
  }
  return std::to_string(duration) + "us";
}

void AppendFeatureValue(double value, std::string* out) {
  if (value == 0) {  // also -0
    out->push_back('0');
    return;
  }
  char buffer[64];
  char* const end = buffer + sizeof(buffer);
  const double magnitude = std::fabs(value);
  std::to_chars_result written{};
  if (magnitude < 1e15 && value == std::trunc(value)) {
    written = std::to_chars(buffer, end, value, std::chars_format::fixed, 0);
  } else if (magnitude >= 1e-3 && magnitude < 1e15) {
    written = std::to_chars(buffer, end, value, std::chars_format::fixed, 4);
    while (written.ptr[-1] == '0') --written.ptr;  // a '.' comes first: 4 decimals were written
    if (written.ptr[-1] == '.') --written.ptr;
  } else {
    written = std::to_chars(buffer, end, value, std::chars_format::general, 6);
  }
  out->append(buffer, written.ptr);
}

Result<FeatureSpec> ParseFeatureSpec(std::string_view yaml, const std::string& file) {
  SpecParser parser(file);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return parser.Parse(root);
  } catch (const YAML::Exception& e) {
    return ErrorAt(file, PositionOf(e.mark), e.msg);
  } catch (const std::exception& e) {
    return ErrorAt(file, SourcePosition{}, std::string("cannot parse: ") + e.what());
  }
}

Result<FeatureSpec> LoadFeatureSpec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open feature spec " + path);
  std::string text;
  text.resize(kMaxSpecBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::IOError("cannot read feature spec " + path);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxSpecBytes) {
    return Status::InvalidArgument("feature spec " + path + " is larger than 1 MiB");
  }
  return ParseFeatureSpec(text, path);
}

namespace internal {

int TransactionField(std::string_view name) {
  if (name == "hour") return kHourField;
  return SchemaFor(EventKind::kTransaction).FieldIndex(name);
}

Result<uint64_t> HashOfText(int field, std::string_view text) {
  if (field == kHourField) {
    int64_t hour = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), hour);
    if (ec != std::errc() || end != text.data() + text.size() || hour < 0 || hour > 23) {
      return Status::InvalidArgument("'" + std::string(text) + "' is not an hour (0-23)");
    }
    return HashNumber(hour);
  }
  const FieldSpec& spec = SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)];
  switch (spec.type) {
    case FieldType::kEnum: {
      int index = EnumIndex(spec, text);
      if (index < 0) {
        std::string values;
        for (std::string_view v : spec.values)
          values += (values.empty() ? "" : ", ") + std::string(v);
        return Status::InvalidArgument("'" + std::string(text) + "' is not a value of " +
                                       std::string(spec.name) + " (" + values + ")");
      }
      return HashNumber(index);
    }
    case FieldType::kCurrency: {
      auto currency = Currency::FromCode(text);
      if (!currency) {
        return Status::InvalidArgument("'" + std::string(text) + "' is not an ISO 4217 currency");
      }
      return HashNumber(currency->Packed());
    }
    case FieldType::kAmount:  // minor units, as the engine sees amounts
    case FieldType::kInt: {
      int64_t number = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return Status::InvalidArgument("'" + std::string(text) + "' is not an integer for " +
                                       std::string(spec.name));
      }
      return HashNumber(number);
    }
    case FieldType::kId:
    case FieldType::kText:
    case FieldType::kCountry:
    case FieldType::kIp:
      return HashBytes(text);
    default:
      return Status::InvalidArgument("field " + std::string(spec.name) +
                                     " cannot be compared with a value");
  }
}

}  // namespace internal

}  // namespace panorama::features
