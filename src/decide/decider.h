// Decider: turns a transaction and its features into a decision with reasons — the model's
// probability, the rules that fired, the score and the policy's verdict. A Decider is an
// immutable configuration (rule set, list snapshot, optional model); a new rule set, list
// change or model is a new Decider, swapped in whole (so a request sees one configuration).
//
// Score: round(1000 * model probability) (0 without a model) plus the points of the rules
// that fired, clamped to [0, 1000]. Decision: DECLINE when the score >= decline_at or a fired
// rule forces DECLINE; else REVIEW when the score >= review_at or a rule forces REVIEW; else
// APPROVE.
//
// Decide(): const, thread-safe, no heap allocation (the Decision's buffers are reused).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "decide/list_snapshot.h"
#include "decide/lists.h"
#include "decide/model_input.h"
#include "decide/rules.h"
#include "features/feature_spec.h"
#include "models/model_file.h"

namespace panorama::decide {

enum class Verdict : uint8_t { kApprove = 0, kReview = 1, kDecline = 2 };  // decision_value
std::string_view VerdictName(Verdict verdict);  // "APPROVE", "REVIEW", "DECLINE"

constexpr size_t kTopReasons = 3;

// One feature's push on the model's log-odds.
struct FeatureReason {
  int input = -1;           // index into the model's inputs
  double value = 0;         // the input's value (NaN when missing)
  double contribution = 0;  // its share of the margin (Saabas)
};

struct Decision {
  int score = 0;
  Verdict verdict = Verdict::kApprove;
  double model_score = std::numeric_limits<double>::quiet_NaN();  // NaN without a model
  int rule_points = 0;
  std::vector<uint16_t> fired;  // indices into the rule set's rules(), in file order
  size_t fired_count = 0;
  FeatureReason reasons[kTopReasons];  // the largest positive contributions, largest first
  size_t reason_count = 0;
  // Scratch space of Decide(), kept to reuse its memory.
  std::vector<float> row;
  std::vector<double> contributions;
};

class Decider {
 public:
  // `model` may be null. The model's inputs must all exist in `spec` (or be raw fields);
  // `lists` must be a snapshot of `rules`' declared lists.
  static Result<std::shared_ptr<const Decider>> Create(
      const features::FeatureSpec& spec, std::shared_ptr<const RuleSet> rules,
      std::shared_ptr<const ListSnapshot> lists, std::shared_ptr<const models::ModelFile> model);

  // Decides on `tx` given its feature vector (the spec's width). `out` is reused.
  void Decide(const Event& tx, std::span<const double> features, Decision* out) const;

  const RuleSet& rules() const { return *rules_; }
  const models::ModelFile* model() const { return model_.get(); }
  const std::shared_ptr<const RuleSet>& rules_ptr() const { return rules_; }
  const std::shared_ptr<const models::ModelFile>& model_ptr() const { return model_; }
  const std::shared_ptr<const ListSnapshot>& lists_ptr() const { return lists_; }
  // "name@version" of the rule set; the model's id or empty.
  std::string ruleset_label() const;
  std::string model_label() const;
  // The name of model input i (for reasons).
  const std::string& input_name(int input) const;

  // The decision as a kDecision event (for the log), for transaction `tx`. `rules` are the
  // ids of the fired rules and `tags` their distinct tags, ';'-separated; `reasons` the
  // features that pushed the model's score most, as "name=value (+contribution)" joined by
  // "; " (contributions in log-odds).
  void ToEvent(const Event& tx, const Decision& decision, Timestamp decided_at, int64_t latency_us,
               Event* out) const;

 private:
  Decider() = default;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const ListSnapshot> lists_;
  std::shared_ptr<const models::ModelFile> model_;
  ModelInput input_;
  std::string ruleset_label_;
};

// Loads the rule set at `rules_path` (an empty rule set, "none@0", when the path is empty),
// creates the lists it declares in `lists` when missing and snapshots them, reads the model at
// `model_path` (none when empty), and builds a Decider. Errors name the file at fault.
Result<std::shared_ptr<const Decider>> LoadDecider(const features::FeatureSpec& spec,
                                                   const std::string& rules_path,
                                                   const std::string& model_path, ListStore* lists);

}  // namespace panorama::decide
