// panorama alerts: the REVIEW and DECLINE decisions of a data directory's log, newest first,
// filtered by time, decision, rule, customer and score. Safe beside a running server (the log
// is read without modifying it).
#include <fmt/format.h>

#include <deque>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "core/event_codec.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "log/transaction_log.h"
#include "server/scoring_service.h"
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
  if (!args.decision.empty() && args.decision != "REVIEW" && args.decision != "DECLINE") {
    return Fail(Status::InvalidArgument("--decision must be REVIEW or DECLINE"));
  }
  server::AlertQuery query;
  query.from = from;
  query.to = to;
  query.min_score = args.min_score;
  query.decision = args.decision;
  query.rule = args.rule;
  query.customer_id = args.customer_id;
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
    if (!server::AlertMatches(query, event)) continue;
    ++matched;
    newest.push_back(event);
    if (newest.size() > args.limit) newest.pop_front();
  }
  if (!(*reader)->status().ok()) return Fail((*reader)->status());
  if (args.json) {
    std::string out = "{\"matched\":" + std::to_string(matched) + ",\"alerts\":[";
    for (auto it = newest.rbegin(); it != newest.rend(); ++it) {
      if (it != newest.rbegin()) out += ',';
      server::AppendAlertJson(*it, &out);
    }
    std::cout << out << "]}\n";
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
