// RuleSet: analysts' rules over a transaction, its features, the model's score and named
// lists — parsed from YAML, compiled once, evaluated without allocation. docs/rules.md is
// the user's description of the file and the language; keep the two in step.
//
// Contract:
//  - Parsing checks everything evaluation could trip over (unknown fields, features and
//    lists, type mismatches such as `amount starts_with "4"`, enum values that do not exist,
//    list types that do not fit the field, duplicate ids, bad actions) and reports the first
//    problem as "file:line:column: reason", the line and column pointing into the file.
//  - Absent values: a field the event lacks, a NaN feature or model score, is missing.
//    Arithmetic with a missing operand is missing; comparisons with a missing operand are
//    missing; `and`/`or`/`not` follow SQL's three-valued logic; `x in (...)` / `x in @list`
//    with x missing is missing. A rule fires only when its condition is true; missing is not
//    true. `is_missing(x)` and `coalesce(x, default)` test and replace missing values.
//  - Evaluate(): const, thread-safe, no heap allocation, bounded work per rule (no loops in
//    the language).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "decide/list_snapshot.h"
#include "features/feature_spec.h"

namespace panorama::decide {

enum class Force : uint8_t { kNone, kReview, kDecline };

// What a list holds; each type fits certain transaction fields (docs/rules.md).
enum class ListType : uint8_t { kCustomer, kAccount, kCard, kMerchant, kDevice, kIp, kCountry };
enum class ListKind : uint8_t { kAllow, kDeny };
std::string_view ListTypeName(ListType type);  // "customer", "account", ...
std::string_view ListKindName(ListKind kind);  // "allow", "deny"
// Parses the names above; false when unknown.
bool ParseListType(std::string_view text, ListType* type);
bool ParseListKind(std::string_view text, ListKind* kind);
// The transaction fields a list of `type` may be compared with; a list value must be a valid
// value of the first (account lists also fit counterparty_id).
std::span<const int> ListFields(ListType type);
// A name of a rule, list or tag: [a-z0-9_]{1,64}.
bool ValidName(std::string_view name);

struct ListDecl {
  std::string name;  // [a-z0-9_]{1,64}
  ListKind kind = ListKind::kDeny;
  ListType type = ListType::kCustomer;
  std::string description;
  int line = 0;
};

// One rule. Its action names at least one of score, tag and force; `score: 0` alone is a
// shadow rule, which changes nothing but is recorded among the rules that fired.
struct Rule {
  std::string id;  // [a-z0-9_]{1,64}, unique in the set
  std::string description;
  std::string condition;  // as written
  int points = 0;         // added to the score when the rule fires, -1000..1000
  std::string tag;        // [a-z0-9_]{1,64}; empty when none
  Force force = Force::kNone;
  bool enabled = true;  // a disabled rule is compiled (so it is valid) but never fires
  int line = 0;
};

// What a rule reads: the transaction, the feature vector of the set's feature spec (NaN where
// a value does not exist), the model's probability (NaN without a model), and the lists.
struct RuleInput {
  const Event* event = nullptr;
  std::span<const double> features;
  double model_score = std::numeric_limits<double>::quiet_NaN();
  const ListSnapshot* lists = nullptr;  // size() == lists().size()
};

class RuleSet {
 public:
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& description() const { return description_; }
  const std::string& file() const { return file_; }
  // Decision thresholds of the policy: score >= decline_at is DECLINE, >= review_at REVIEW.
  int review_at() const { return review_at_; }
  int decline_at() const { return decline_at_; }
  const std::vector<ListDecl>& lists() const { return lists_; }
  const std::vector<Rule>& rules() const { return rules_; }
  // The index of a declared list, or -1.
  int ListIndex(std::string_view list_name) const;

  // Evaluates every enabled rule in file order; writes the indices (into rules()) of those
  // that fire to `fired` and returns how many. `fired` should hold rules().size() entries
  // (no more than fired.size() are written). A null event or one of another kind reads as an
  // event without fields; a feature index past input.features, like a NaN, is missing; with
  // no list snapshot (or a smaller one) `in @list` is missing.
  size_t Evaluate(const RuleInput& input, std::span<uint16_t> fired) const;

  // The value of rule `rule`'s condition, enabled or not: 1 true, 0 false, NaN missing (tests,
  // explanations). NaN for a rule index out of range.
  double EvaluateCondition(size_t rule, const RuleInput& input) const;

 private:
  friend Result<std::shared_ptr<const RuleSet>> ParseRuleSet(std::string_view, const std::string&,
                                                             const features::FeatureSpec*);
  struct Program;
  RuleSet();
  std::string name_;
  std::string version_;
  std::string description_;
  std::string file_;
  int review_at_ = 500;
  int decline_at_ = 800;
  std::vector<ListDecl> lists_;
  std::vector<Rule> rules_;
  std::unique_ptr<Program> program_;
};

// Parses YAML text; `file` names it in error messages. `spec` resolves feature names (null:
// rules may not name features).
Result<std::shared_ptr<const RuleSet>> ParseRuleSet(std::string_view yaml, const std::string& file,
                                                    const features::FeatureSpec* spec);
Result<std::shared_ptr<const RuleSet>> LoadRuleSet(const std::string& path,
                                                   const features::FeatureSpec* spec);

}  // namespace panorama::decide
