#include "decide/decider.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/schema.h"

namespace panorama::decide {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kApprove:
      return "APPROVE";
    case Verdict::kReview:
      return "REVIEW";
    case Verdict::kDecline:
      return "DECLINE";
  }
  return "APPROVE";
}

Result<std::shared_ptr<const Decider>> Decider::Create(
    const features::FeatureSpec& spec, std::shared_ptr<const RuleSet> rules,
    std::shared_ptr<const ListSnapshot> lists, std::shared_ptr<const models::ModelFile> model) {
  if (rules == nullptr) return Status::InvalidArgument("a decider needs a rule set");
  if (lists == nullptr || lists->size() != rules->lists().size()) {
    return Status::InvalidArgument("the list snapshot does not match rule set '" + rules->name() +
                                   "'");
  }
  std::shared_ptr<Decider> decider(new Decider());
  if (model != nullptr) {
    PANO_ASSIGN_OR_RETURN(decider->input_, ModelInput::Resolve(model->meta.features, spec));
    if (decider->input_.width() != static_cast<size_t>(model->ensemble.num_features())) {
      return Status::InvalidArgument(fmt::format("model '{}' lists {} inputs but its trees read {}",
                                                 model->meta.id, decider->input_.width(),
                                                 model->ensemble.num_features()));
    }
    if (model->meta.spec_name != spec.name) {
      return Status::FailedPrecondition("model '" + model->meta.id + "' was trained on spec '" +
                                        model->meta.spec_name + "', not '" + spec.name + "'");
    }
    // Same name, other definitions (a window or filter changed): the features it learned from
    // are not the ones it would be served.
    if (model->meta.spec_fingerprint != spec.fingerprint) {
      return Status::FailedPrecondition(fmt::format(
          "model '{}' was trained on another version of spec '{}' (fingerprint {:016x}, the "
          "spec's now {:016x}); train it again",
          model->meta.id, spec.name, model->meta.spec_fingerprint, spec.fingerprint));
    }
  }
  decider->rules_ = std::move(rules);
  decider->lists_ = std::move(lists);
  decider->model_ = std::move(model);
  decider->ruleset_label_ = decider->rules_->name() + "@" + decider->rules_->version();
  return std::shared_ptr<const Decider>(std::move(decider));
}

void Decider::Decide(const Event& tx, std::span<const double> features, Decision* out) const {
  const size_t rule_count = rules_->rules().size();
  if (out->fired.size() < rule_count) out->fired.resize(rule_count);
  out->reason_count = 0;
  out->model_score = std::numeric_limits<double>::quiet_NaN();

  int model_points = 0;
  if (model_ != nullptr) {
    const models::TreeEnsemble& trees = model_->ensemble;
    const size_t width = input_.width();
    if (out->row.size() < width) out->row.resize(width);
    if (out->contributions.size() < width + 1) out->contributions.resize(width + 1);
    std::span<float> row(out->row.data(), width);
    input_.Fill(tx, features, row);
    std::span<double> contributions(out->contributions.data(), width + 1);
    // One walk of the trees gives both the margin and its reasons.
    out->model_score = models::TreeEnsemble::Probability(trees.Contributions(row, contributions));
    model_points = static_cast<int>(std::lround(1000.0 * out->model_score));
    // The kTopReasons largest positive contributions, by insertion into a short sorted array.
    for (size_t i = 0; i < width; ++i) {
      double c = contributions[i];
      if (!(c > 0)) continue;
      size_t at = out->reason_count;
      while (at > 0 && out->reasons[at - 1].contribution < c) --at;
      if (at >= kTopReasons) continue;
      size_t last = std::min(out->reason_count, kTopReasons - 1);
      for (size_t j = last; j > at; --j) out->reasons[j] = out->reasons[j - 1];
      out->reasons[at] = {static_cast<int>(i), static_cast<double>(row[i]), c};
      out->reason_count = std::min(out->reason_count + 1, kTopReasons);
    }
  }

  RuleInput input;
  input.event = &tx;
  input.features = features;
  input.model_score = out->model_score;
  input.lists = lists_.get();
  out->fired_count = rules_->Evaluate(input, std::span(out->fired.data(), rule_count));

  int points = 0;
  Force force = Force::kNone;
  for (size_t i = 0; i < out->fired_count; ++i) {
    const Rule& rule = rules_->rules()[out->fired[i]];
    points += rule.points;
    force = std::max(force, rule.force);
  }
  out->rule_points = points;
  out->score = std::clamp(model_points + points, 0, 1000);
  if (force == Force::kDecline || out->score >= rules_->decline_at()) {
    out->verdict = Verdict::kDecline;
  } else if (force == Force::kReview || out->score >= rules_->review_at()) {
    out->verdict = Verdict::kReview;
  } else {
    out->verdict = Verdict::kApprove;
  }
}

std::string Decider::ruleset_label() const { return ruleset_label_; }

std::string Decider::model_label() const { return model_ ? model_->meta.id : std::string(); }

const std::string& Decider::input_name(int input) const {
  return input_.names()[static_cast<size_t>(input)];
}

void Decider::ToEvent(const Event& tx, const Decision& decision, Timestamp decided_at,
                      int64_t latency_us, Event* out) const {
  out->Reset(EventKind::kDecision);
  out->set_str(decision::kTxId, tx.id());
  out->set_num(decision::kTs, tx.ts());
  out->set_num(decision::kDecidedAt, decided_at);
  out->set_num(decision::kScore, decision.score);
  out->set_num(decision::kDecision, static_cast<int64_t>(decision.verdict));
  if (!std::isnan(decision.model_score)) {
    out->set_real(decision::kModelScore, decision.model_score);
  }
  out->set_num(decision::kRulePoints, decision.rule_points);
  // One scratch string: Event::set_str copies.
  std::string text;
  for (size_t i = 0; i < decision.fired_count; ++i) {
    if (!text.empty()) text += ';';
    text += rules_->rules()[decision.fired[i]].id;
  }
  if (!text.empty()) out->set_str(decision::kRules, text);
  text.clear();
  for (size_t i = 0; i < decision.fired_count; ++i) {
    const std::string& tag = rules_->rules()[decision.fired[i]].tag;
    if (tag.empty()) continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = rules_->rules()[decision.fired[j]].tag == tag;
    if (seen) continue;
    if (!text.empty()) text += ';';
    text += tag;
  }
  if (!text.empty()) out->set_str(decision::kTags, text);
  text.clear();
  for (size_t i = 0; i < decision.reason_count; ++i) {
    const FeatureReason& reason = decision.reasons[i];
    if (!text.empty()) text += "; ";
    if (std::isnan(reason.value)) {
      fmt::format_to(std::back_inserter(text), "{}=missing (+{:.3f})", input_name(reason.input),
                     reason.contribution);
    } else {
      text += input_name(reason.input);
      text += '=';
      features::AppendFeatureValue(reason.value, &text);
      fmt::format_to(std::back_inserter(text), " (+{:.3f})", reason.contribution);
    }
  }
  if (!text.empty()) out->set_str(decision::kReasons, text);
  out->set_str(decision::kRuleSet, ruleset_label_);
  if (model_ != nullptr) out->set_str(decision::kModel, model_->meta.id);
  if (tx.has(tx::kCustomerId)) out->set_str(decision::kCustomerId, tx.str(tx::kCustomerId));
  if (tx.has(tx::kAmount)) out->set_num(decision::kAmount, tx.num(tx::kAmount));
  if (tx.has(tx::kCurrency)) out->set_num(decision::kCurrency, tx.num(tx::kCurrency));
  out->set_num(decision::kLatencyUs, std::max<int64_t>(latency_us, 0));
}

Result<std::shared_ptr<const Decider>> LoadDecider(const features::FeatureSpec& spec,
                                                   const std::string& rules_path,
                                                   const std::string& model_path,
                                                   ListStore* lists) {
  std::shared_ptr<const RuleSet> rules;
  if (rules_path.empty()) {
    PANO_ASSIGN_OR_RETURN(rules,
                          ParseRuleSet("name: none\nversion: \"0\"\nrules: []\n", "(none)", &spec));
  } else {
    PANO_ASSIGN_OR_RETURN(rules, LoadRuleSet(rules_path, &spec));
  }
  PANO_RETURN_IF_ERROR(lists->EnsureDeclared(*rules));
  PANO_ASSIGN_OR_RETURN(auto snapshot, lists->Snapshot(*rules));
  std::shared_ptr<const models::ModelFile> model;
  if (!model_path.empty()) {
    PANO_ASSIGN_OR_RETURN(models::ModelFile file, models::ReadModelFile(model_path));
    model = std::make_shared<const models::ModelFile>(std::move(file));
  }
  auto decider = Decider::Create(spec, std::move(rules), std::move(snapshot), std::move(model));
  if (!decider.ok() && !model_path.empty()) return decider.status().WithContext(model_path);
  return decider;
}

}  // namespace panorama::decide
