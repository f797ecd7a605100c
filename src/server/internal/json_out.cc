#include "server/internal/json_out.h"

#include <fmt/format.h>

#include <cmath>

namespace panorama::server::internal {
namespace {

void AppendKey(std::string_view key, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void AppendStrField(const Event& e, int field, std::string* out) {
  if (e.has(field)) {
    AppendJsonString(e.str(field), out);
  } else {
    out->append("null");
  }
}

void AppendIntField(const Event& e, int field, std::string* out) {
  if (e.has(field)) {
    fmt::format_to(std::back_inserter(*out), "{}", e.num(field));
  } else {
    out->append("null");
  }
}

void AppendListField(const Event& e, int field, std::string* out) {
  AppendJsonList(e.has(field) ? e.str(field) : std::string_view(), out);
}

// The fields every rendering of a decision shares, each followed by a comma.
void AppendDecisionCore(const Event& d, std::string* out) {
  AppendKey("decision", out);
  if (d.has(decision::kDecision)) {
    AppendJsonString(FormatField(d, decision::kDecision), out);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendKey("score", out);
  AppendIntField(d, decision::kScore, out);
  out->push_back(',');
  AppendKey("model_score", out);
  if (d.has(decision::kModelScore)) {
    AppendJsonNumber(d.real(decision::kModelScore), out);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendKey("rule_points", out);
  AppendIntField(d, decision::kRulePoints, out);
  out->push_back(',');
  AppendKey("rules", out);
  AppendListField(d, decision::kRules, out);
  out->push_back(',');
  AppendKey("tags", out);
  AppendListField(d, decision::kTags, out);
  out->push_back(',');
  AppendKey("reasons", out);
  AppendListField(d, decision::kReasons, out);
  out->push_back(',');
  AppendKey("ruleset", out);
  AppendStrField(d, decision::kRuleSet, out);
  out->push_back(',');
  AppendKey("model", out);
  AppendStrField(d, decision::kModel, out);
  out->push_back(',');
  AppendKey("latency_us", out);
  AppendIntField(d, decision::kLatencyUs, out);
}

}  // namespace

void AppendJsonList(std::string_view list, std::string* out) {
  out->push_back('[');
  bool first = true;
  while (!list.empty()) {
    size_t end = list.find(';');
    std::string_view item = list.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(item, out);
    }
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  out->push_back(']');
}

void AppendJsonNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  fmt::format_to(std::back_inserter(*out), "{}", value);
}

void AppendOutcome(const TxOutcome& outcome, std::string* out) {
  out->push_back('{');
  AppendKey("tx_id", out);
  AppendJsonString(outcome.tx_id, out);
  out->push_back(',');
  AppendKey("seq", out);
  if (outcome.seq > 0) {
    fmt::format_to(std::back_inserter(*out), "{}", outcome.seq);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendKey("duplicate", out);
  out->append(outcome.duplicate ? "true" : "false");
  out->push_back(',');
  AppendDecisionCore(outcome.decision, out);
  out->push_back('}');
}

void AppendAlert(const Event& d, std::string* out) {
  out->push_back('{');
  AppendKey("tx_id", out);
  AppendStrField(d, decision::kTxId, out);
  out->push_back(',');
  AppendKey("ts", out);
  AppendJsonString(FormatField(d, decision::kTs), out);
  out->push_back(',');
  AppendKey("decided_at", out);
  if (d.has(decision::kDecidedAt)) {
    AppendJsonString(FormatField(d, decision::kDecidedAt), out);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendKey("customer_id", out);
  AppendStrField(d, decision::kCustomerId, out);
  out->push_back(',');
  AppendKey("amount", out);
  if (d.has(decision::kAmount) && d.has(decision::kCurrency)) {
    AppendJsonString(FormatField(d, decision::kAmount), out);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendKey("currency", out);
  if (d.has(decision::kCurrency)) {
    AppendJsonString(FormatField(d, decision::kCurrency), out);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendDecisionCore(d, out);
  out->push_back('}');
}

void AppendError(int status, std::string_view code, std::string_view field, std::string_view reason,
                 int64_t offset, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "{{\"status\":{},\"code\":", status);
  AppendJsonString(code, out);
  out->append(",\"field\":");
  if (field.empty()) {
    out->append("null");
  } else {
    AppendJsonString(field, out);
  }
  out->append(",\"reason\":");
  AppendJsonString(reason, out);
  if (offset >= 0) fmt::format_to(std::back_inserter(*out), ",\"offset\":{}", offset);
  out->push_back('}');
}

std::string ErrorBody(int status, std::string_view code, std::string_view field,
                      std::string_view reason, int64_t offset) {
  std::string out = "{\"error\":";
  AppendError(status, code, field, reason, offset, &out);
  out.append("}\n");
  return out;
}

}  // namespace panorama::server::internal

namespace panorama::server {

void AppendAlertJson(const Event& decision, std::string* out) {
  internal::AppendAlert(decision, out);
}

}  // namespace panorama::server
