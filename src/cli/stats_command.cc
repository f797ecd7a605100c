// panorama stats: a summary of a data directory's log, optionally grouped.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/event.h"
#include "core/event_codec.h"
#include "core/money.h"
#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

struct StatsArgs {
  std::string data_dir;
  std::string by;
  bool json = false;
};

struct Group {
  uint64_t count = 0;
  std::map<std::string, int64_t> amount_by_currency;  // minor units
  bool overflow = false;
};

std::string GroupKey(const Event& tx, const std::string& by) {
  if (by == "day") return FormatDate(tx.ts());
  if (by == "channel") return FormatField(tx, tx::kChannel);
  if (by == "type") return FormatField(tx, tx::kType);
  return FormatField(tx, tx::kCurrency);
}

int RunStats(const StatsArgs& args) {
  if (!args.by.empty() && args.by != "day" && args.by != "channel" && args.by != "type" &&
      args.by != "currency") {
    std::cerr << "panorama stats: --by must be day, channel, type or currency\n";
    return 1;
  }
  auto reader = LogReader::OpenRange(LogDir(args.data_dir), 1);
  if (!reader.ok()) {
    std::cerr << "panorama stats: " << reader.status().ToString() << "\n";
    return 1;
  }
  std::map<EventKind, uint64_t> by_kind;
  std::map<std::string, Group> groups;
  Group all_transactions;
  uint64_t total = 0, first_seq = 0, last_seq = 0;
  Timestamp min_ts = 0, max_ts = 0;
  Event event;
  LogRecord record;
  while ((*reader)->Next(&record)) {
    Status decoded = DecodeEvent(record.payload, &event);
    if (!decoded.ok()) {
      std::cerr << "panorama stats: log record " << record.seq << ": " << decoded.ToString()
                << "\n";
      return 1;
    }
    if (total == 0) {
      first_seq = record.seq;
      min_ts = max_ts = event.ts();
    }
    ++total;
    last_seq = record.seq;
    min_ts = std::min(min_ts, event.ts());
    max_ts = std::max(max_ts, event.ts());
    ++by_kind[event.kind()];
    if (event.kind() != EventKind::kTransaction) continue;
    std::string currency = FormatField(event, tx::kCurrency);
    for (Group* group :
         {&all_transactions, args.by.empty() ? nullptr : &groups[GroupKey(event, args.by)]}) {
      if (group == nullptr) continue;
      ++group->count;
      int64_t& sum = group->amount_by_currency[currency];
      if (__builtin_add_overflow(sum, event.num(tx::kAmount), &sum)) group->overflow = true;
    }
  }
  if (!(*reader)->status().ok()) {
    std::cerr << "panorama stats: " << (*reader)->status().ToString() << "\n";
    return 1;
  }

  auto amounts_json = [](const Group& g) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [code, minor] : g.amount_by_currency) {
      auto currency = Currency::FromCode(code);
      out[code] = FormatAmount(minor, currency ? currency->Exponent() : 2);
    }
    return out;
  };
  auto amounts_text = [](const Group& g) {
    std::string out;
    for (const auto& [code, minor] : g.amount_by_currency) {
      auto currency = Currency::FromCode(code);
      if (!out.empty()) out += ", ";
      out += code + " " + FormatAmount(minor, currency ? currency->Exponent() : 2);
    }
    return g.overflow ? out + " (overflowed)" : out;
  };

  if (args.json) {
    nlohmann::json events = nlohmann::json::object();
    for (EventKind kind : kAllEventKinds) events[std::string(KindName(kind))] = by_kind[kind];
    nlohmann::json out = {{"events", events},
                          {"total", total},
                          {"first_seq", first_seq},
                          {"last_seq", last_seq},
                          {"min_ts", total ? FormatIso8601(min_ts) : ""},
                          {"max_ts", total ? FormatIso8601(max_ts) : ""},
                          {"tail_torn", (*reader)->tail_torn()},
                          {"transaction_amounts", amounts_json(all_transactions)}};
    if (!args.by.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [key, group] : groups) {
        list.push_back({{"key", key}, {"count", group.count}, {"amounts", amounts_json(group)}});
      }
      out["by"] = args.by;
      out["groups"] = std::move(list);
    }
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("data directory {}\n", args.data_dir);
  if (total == 0) {
    std::cout << "the log is empty\n";
    return 0;
  }
  std::cout << fmt::format("log: {} events, sequence {}..{}, time {} .. {}\n", total, first_seq,
                           last_seq, FormatIso8601(min_ts), FormatIso8601(max_ts));
  if ((*reader)->tail_torn()) {
    std::cout << "note: the log has a torn tail; it is truncated the next time it is opened "
                 "for writing\n";
  }
  for (EventKind kind : kAllEventKinds) {
    if (by_kind[kind] > 0)
      std::cout << fmt::format("  {:<12} {:>12}\n", KindName(kind), by_kind[kind]);
  }
  if (all_transactions.count > 0) {
    std::cout << fmt::format("transaction amounts: {}\n", amounts_text(all_transactions));
  }
  if (!args.by.empty()) {
    std::cout << fmt::format("transactions by {}:\n", args.by);
    for (const auto& [key, group] : groups) {
      std::cout << fmt::format("  {:<12} {:>12}  {}\n", key, group.count, amounts_text(group));
    }
  }
  return 0;
}

}  // namespace

void RegisterStats(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* cmd = app.add_subcommand("stats", "Summarise the events in a data directory");
  cmd->add_option("--data", args->data_dir, "data directory")->required();
  cmd->add_option("--by", args->by, "group transactions by day, channel, type or currency");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &exit_code] { exit_code = RunStats(*args); });
}

}  // namespace panorama::cli
