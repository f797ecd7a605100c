// panorama alerts: the REVIEW and DECLINE decisions of a data directory's log, newest first,
// filtered by time, decision, rule, customer and score. Safe beside a running server (the log
// is read without modifying it).
#include <fmt/format.h>

#include <deque>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/event_codec.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

struct AlertsArgs {
  std::string data_dir, from, to, decision, rule, customer_id;
  int min_score = 0;
  size_t limit = 50;
  bool json = false;
};

int Fail(const Status& status) {
  std::cerr << "panorama alerts: " << status.ToString() << "\n";
  return 1;
}

// True when `list` (';'-separated) holds `item`.
bool ListHas(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    size_t end = list.find(';');
    if (list.substr(0, end) == item) return true;
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return false;
}

nlohmann::json AlertJson(const Event& d) {
  nlohmann::json j;
  for (int f = 0; f < d.schema().field_count(); ++f) {
    if (!d.has(f)) continue;
    const FieldSpec& spec = d.schema().fields[static_cast<size_t>(f)];
    switch (spec.type) {
      case FieldType::kInt:
        j[spec.name] = d.num(f);
        break;
      case FieldType::kReal:
        j[spec.name] = d.real(f);
        break;
      default:
        j[spec.name] = FormatField(d, f);
    }
  }
  return j;
}

int RunAlerts(const AlertsArgs& args) {
  Timestamp from = INT64_MIN, to = INT64_MAX;
  if (!args.from.empty()) {
    auto ts = ParseIso8601(args.from);
    if (!ts.ok()) return Fail(ts.status().WithContext("--from"));
    from = *ts;
  }
  if (!args.to.empty()) {
    auto ts = ParseIso8601(args.to);
    if (!ts.ok()) return Fail(ts.status().WithContext("--to"));
    to = *ts;
  }
  int wanted = -1;
  if (!args.decision.empty()) {
    if (args.decision == "REVIEW") {
      wanted = decision_value::kReview;
    } else if (args.decision == "DECLINE") {
      wanted = decision_value::kDecline;
    } else {
      return Fail(Status::InvalidArgument("--decision must be REVIEW or DECLINE"));
    }
  }
  auto reader = LogReader::OpenTimeRange(LogDir(args.data_dir), from, to);
  if (!reader.ok()) return Fail(reader.status());
  std::deque<Event> newest;
  uint64_t matched = 0;
  LogRecord record;
  Event event;
  while ((*reader)->Next(&record)) {
    if (record.kind != static_cast<uint8_t>(EventKind::kDecision)) continue;
    Status decoded = DecodeEvent(record.payload, &event);
    if (!decoded.ok()) return Fail(decoded.WithContext("log record " + std::to_string(record.seq)));
    int verdict = static_cast<int>(event.num(decision::kDecision));
    if (verdict == decision_value::kApprove) continue;
    if (wanted >= 0 && verdict != wanted) continue;
    if (event.num(decision::kScore) < args.min_score) continue;
    if (!args.rule.empty() && !ListHas(event.str(decision::kRules), args.rule)) continue;
    if (!args.customer_id.empty() && (!event.has(decision::kCustomerId) ||
                                      event.str(decision::kCustomerId) != args.customer_id)) {
      continue;
    }
    ++matched;
    newest.push_back(event);
    if (newest.size() > args.limit) newest.pop_front();
  }
  if (!(*reader)->status().ok()) return Fail((*reader)->status());
  if (args.json) {
    nlohmann::json alerts = nlohmann::json::array();
    for (auto it = newest.rbegin(); it != newest.rend(); ++it) alerts.push_back(AlertJson(*it));
    std::cout << nlohmann::json({{"matched", matched}, {"alerts", alerts}}).dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("{} alerts match; the newest {}:\n", matched, newest.size());
  for (auto it = newest.rbegin(); it != newest.rend(); ++it) {
    const Event& d = *it;
    std::cout << fmt::format(
        "{}  {:<7} {:>4}  {:<24} {:<14} {:>14}  rules: {}\n", FormatField(d, decision::kTs),
        FormatField(d, decision::kDecision), d.num(decision::kScore), d.str(decision::kTxId),
        d.str(decision::kCustomerId),
        FormatField(d, decision::kAmount) + " " + FormatField(d, decision::kCurrency),
        d.has(decision::kRules) ? d.str(decision::kRules) : "-");
    if (d.has(decision::kReasons))
      std::cout << "      model: " << d.str(decision::kReasons) << "\n";
  }
  return 0;
}

}  // namespace

void RegisterAlerts(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("alerts", "List REVIEW and DECLINE decisions, newest first");
  auto args = std::make_shared<AlertsArgs>();
  cmd->add_option("--data", args->data_dir, "Data directory")->required();
  cmd->add_option("--from", args->from, "Transactions from (ISO 8601, inclusive)");
  cmd->add_option("--to", args->to, "Transactions before (ISO 8601, exclusive)");
  cmd->add_option("--decision", args->decision, "REVIEW or DECLINE");
  cmd->add_option("--rule", args->rule, "Only alerts where this rule fired");
  cmd->add_option("--customer", args->customer_id, "Only this customer's alerts");
  cmd->add_option("--min-score", args->min_score, "Only scores at least this")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--limit", args->limit, "At most this many (the newest)")->capture_default_str();
  cmd->add_flag("--json", args->json, "JSON output");
  cmd->callback([args, &exit_code] { exit_code = RunAlerts(*args); });
}

}  // namespace panorama::cli
