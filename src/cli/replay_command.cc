// panorama replay: posts the transactions of a time range — from a data directory's log or a
// CSV / JSON Lines file — to a running `panorama serve`, from several connections, as fast as
// it answers or at a fixed rate, and reports decisions, throughput, latency and, when labels
// are known, the frauds caught.
//
// At a fixed rate (--rate) request k is due at start + k / rate whatever happened before, and
// its latency counts from that moment (not from when it was sent), so a server that falls
// behind shows its queueing in the figures instead of slowing the client down.
#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "core/event_codec.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "ingest/record_reader.h"
#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct ReplayArgs {
  std::string url = "http://127.0.0.1:8080";
  std::string data_dir;
  std::string file;
  std::string labels_file;
  std::string from;
  std::string to;
  int concurrency = 8;
  size_t batch = 1;
  double rate = 0;  // transactions per second; 0: as fast as the server answers
  size_t limit = 0;
  bool json = false;
};

// One transaction to post.
struct Item {
  std::string body;  // the JSON object
  std::string tx_id;
  int64_t amount = 0;
  uint16_t currency = 0;
  int label = -1;  // -1 unknown, 0 genuine, 1 fraud
};

// What came back for one transaction.
enum class Answer : uint8_t { kNone, kApprove, kReview, kDecline, kDuplicate, kRejected, kFailed };

int Fail(const std::string& message) {
  std::cerr << "panorama replay: " << message << "\n";
  return 1;
}

// The transaction as a JSON object in the canonical layout, every value as its text.
std::string ToJson(const Event& tx) {
  nlohmann::json object = nlohmann::json::object();
  const EventSchema& schema = tx.schema();
  for (int f = 0; f < schema.field_count(); ++f) {
    if (!tx.has(f)) continue;
    object[std::string(schema.fields[static_cast<size_t>(f)].name)] = FormatField(tx, f);
  }
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AddItem(const Event& tx, std::vector<Item>* items) {
  Item& item = items->emplace_back();
  item.body = ToJson(tx);
  item.tx_id.assign(tx.id());
  item.amount = tx.num(tx::kAmount);
  item.currency = static_cast<uint16_t>(tx.num(tx::kCurrency));
}

// Reads the transactions in [from, to) and the labels (the newest is_fraud of each tx_id).
Status ReadSource(const ReplayArgs& args, Timestamp from, Timestamp to, std::vector<Item>* items,
                  absl::flat_hash_map<std::string, int>* labels) {
  auto keep = [&](const Event& tx) {
    return tx.ts() >= from && tx.ts() < to && (args.limit == 0 || items->size() < args.limit);
  };
  auto add_label = [&](const Event& label) {
    if (label.has(label::kIsFraud)) {
      (*labels)[std::string(label.id())] = label.num(label::kIsFraud) != 0 ? 1 : 0;
    }
  };
  if (!args.data_dir.empty()) {
    PANO_ASSIGN_OR_RETURN(auto reader, LogReader::OpenRange(LogDir(args.data_dir), 1));
    Event event;
    LogRecord record;
    while (reader->Next(&record)) {
      if (record.kind != static_cast<uint8_t>(EventKind::kTransaction) &&
          record.kind != static_cast<uint8_t>(EventKind::kLabel)) {
        continue;
      }
      PANO_RETURN_IF_ERROR(DecodeEvent(record.payload, &event));
      if (event.kind() == EventKind::kLabel) {
        add_label(event);
      } else if (keep(event)) {
        AddItem(event, items);
      }
    }
    return reader->status();
  }
  auto read_file = [&](const std::string& path, EventKind kind) -> Status {
    ReaderOptions options;
    options.kind = kind;
    PANO_ASSIGN_OR_RETURN(auto reader, RecordReader::Open(path, options));
    Event event;
    Reject reject;
    uint64_t rejected = 0;
    for (;;) {
      RecordReader::Outcome outcome = reader->Next(&event, &reject);
      if (outcome == RecordReader::Outcome::kEnd) break;
      if (outcome == RecordReader::Outcome::kReject) {
        if (++rejected <= 3) {
          std::cerr << fmt::format("panorama replay: {}:{}: {}: {} (skipped)\n", reject.file,
                                   reject.line, reject.field, reject.reason);
        }
        continue;
      }
      if (kind == EventKind::kLabel) {
        add_label(event);
      } else if (keep(event)) {
        AddItem(event, items);
      }
    }
    if (rejected > 3) std::cerr << fmt::format("panorama replay: {} rejects in all\n", rejected);
    return Status::Ok();
  };
  PANO_RETURN_IF_ERROR(read_file(args.file, EventKind::kTransaction));
  if (!args.labels_file.empty())
    PANO_RETURN_IF_ERROR(read_file(args.labels_file, EventKind::kLabel));
  return Status::Ok();
}

Answer ParseDecision(std::string_view text) {
  if (text == "APPROVE") return Answer::kApprove;
  if (text == "REVIEW") return Answer::kReview;
  if (text == "DECLINE") return Answer::kDecline;
  return Answer::kFailed;
}

// The answer in a single transaction's 200 body (our own compact rendering).
Answer SingleAnswer(const std::string& body) {
  if (body.find("\"duplicate\":true") != std::string::npos) return Answer::kDuplicate;
  constexpr std::string_view kKey = "\"decision\":\"";
  size_t at = body.find(kKey);
  if (at == std::string::npos) return Answer::kFailed;
  at += kKey.size();
  size_t end = body.find('"', at);
  return ParseDecision(std::string_view(body).substr(at, end - at));
}

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::llround(q * static_cast<double>(sorted.size() - 1)));
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1000.0;  // ms
}

int RunReplay(const ReplayArgs& args) {
  if (args.data_dir.empty() == args.file.empty()) return Fail("give one of --data or --file");
  if (!args.labels_file.empty() && args.file.empty()) return Fail("--labels goes with --file");
  if (args.concurrency < 1 || args.concurrency > 1024) return Fail("--concurrency must be 1-1024");
  if (args.batch < 1 || args.batch > 10'000) return Fail("--batch must be 1-10000");
  if (args.rate < 0) return Fail("--rate must be positive");
  Timestamp from = INT64_MIN;
  Timestamp to = INT64_MAX;
  if (!args.from.empty()) {
    auto parsed = ParseIso8601(args.from);
    if (!parsed.ok()) return Fail("--from: " + parsed.status().message());
    from = *parsed;
  }
  if (!args.to.empty()) {
    auto parsed = ParseIso8601(args.to);
    if (!parsed.ok()) return Fail("--to: " + parsed.status().message());
    to = *parsed;
  }
  std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c)

  std::vector<Item> items;
  absl::flat_hash_map<std::string, int> labels;
  Status read = ReadSource(args, from, to, &items, &labels);
  if (!read.ok()) return Fail(read.ToString());
  for (Item& item : items) {
    auto it = labels.find(item.tx_id);
    if (it != labels.end()) item.label = it->second;
  }
  if (items.empty()) return Fail("no transactions in the range");

  const size_t requests = (items.size() + args.batch - 1) / args.batch;
  std::vector<Answer> answers(items.size(), Answer::kNone);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::vector<int64_t> latencies_us;  // guarded by mu
  // guarded by mu: by kind ("HTTP 400 late", "transport: ..."), a count and one example
  std::map<std::string, std::pair<uint64_t, std::string>> errors;
  latencies_us.reserve(requests);
  const std::string path = args.batch > 1 ? "/v1/transactions/batch" : "/v1/transactions";
  // Every connection is opened (one GET /healthz each) before the clock starts, so that
  // connection set-up does not count as the first requests' latency.
  std::latch connected(args.concurrency);
  std::latch go(1);
  Clock::time_point start;

  auto worker = [&] {
    httplib::Client client(args.url);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(30, 0);
    client.Get("/healthz");  // its outcome shows in the requests that follow
    connected.count_down();
    go.wait();
    std::vector<int64_t> local;
    std::string body;
    std::map<std::string, std::pair<uint64_t, std::string>> local_errors;
    auto note = [&](const std::string& kind, const std::string& example) {
      auto& entry = local_errors[kind];
      if (entry.first++ == 0) entry.second = example;
    };
    for (;;) {
      const size_t r = next.fetch_add(1);
      if (r >= requests) break;
      const size_t begin = r * args.batch;
      const size_t end = std::min(items.size(), begin + args.batch);
      Clock::time_point due = Clock::now();
      if (args.rate > 0) {
        due = start + std::chrono::nanoseconds(
                          static_cast<int64_t>(static_cast<double>(begin) * 1e9 / args.rate));
        std::this_thread::sleep_until(due);
      }
      if (args.batch > 1) {
        body.assign("{\"transactions\":[");
        for (size_t i = begin; i < end; ++i) {
          if (i > begin) body.push_back(',');
          body.append(items[i].body);
        }
        body.append("]}");
      }
      const std::string& payload = args.batch > 1 ? body : items[begin].body;
      auto result = client.Post(path, payload, "application/json");
      if (!result) {
        // A kept-alive connection the server closed as the request went out: posting is
        // idempotent (a stored transaction comes back as a duplicate with its decision), so
        // the request is sent once more on a new connection.
        result = client.Post(path, payload, "application/json");
      }
      local.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due).count());
      if (!result) {
        note("transport: " + httplib::to_string(result.error()), "");
        for (size_t i = begin; i < end; ++i) answers[i] = Answer::kFailed;
        continue;
      }
      if (result->status != 200) {
        const Answer a = result->status == 400 ? Answer::kRejected : Answer::kFailed;
        for (size_t i = begin; i < end; ++i) answers[i] = a;
        constexpr std::string_view kCode = "\"code\":\"";
        size_t at = result->body.find(kCode);
        std::string code;
        if (at != std::string::npos) {
          at += kCode.size();
          code = result->body.substr(at, result->body.find('"', at) - at);
        }
        note(fmt::format("HTTP {} {}", result->status, code), result->body.substr(0, 300));
        continue;
      }
      if (args.batch == 1) {
        answers[begin] = SingleAnswer(result->body);
        continue;
      }
      nlohmann::json parsed = nlohmann::json::parse(result->body, nullptr, false);
      const nlohmann::json* results =
          parsed.is_object() && parsed.contains("results") ? &parsed["results"] : nullptr;
      for (size_t i = begin; i < end; ++i) {
        const size_t k = i - begin;
        if (results == nullptr || !results->is_array() || k >= results->size()) {
          answers[i] = Answer::kFailed;
          continue;
        }
        const nlohmann::json& one = (*results)[k];
        if (one.contains("error")) {
          answers[i] = Answer::kRejected;
        } else if (one.value("duplicate", false)) {
          answers[i] = Answer::kDuplicate;
        } else {
          const nlohmann::json& d = one["decision"];
          answers[i] = d.is_string() ? ParseDecision(d.get<std::string>()) : Answer::kFailed;
        }
      }
    }
    std::lock_guard lock(mu);
    latencies_us.insert(latencies_us.end(), local.begin(), local.end());
    for (const auto& [k, v] : local_errors) {
      auto& entry = errors[k];
      if (entry.first == 0) entry.second = v.second;
      entry.first += v.first;
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(args.concurrency));
  for (int t = 0; t < args.concurrency; ++t) threads.emplace_back(worker);
  connected.wait();
  start = Clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  const double seconds =
      std::max(1e-9, std::chrono::duration<double>(Clock::now() - start).count());

  std::array<uint64_t, 7> counts{};
  uint64_t frauds = 0;
  uint64_t caught = 0;
  std::map<uint16_t, std::pair<int64_t, int64_t>> fraud_amounts;  // currency -> (caught, all)
  for (size_t i = 0; i < items.size(); ++i) {
    ++counts[static_cast<size_t>(answers[i])];
    if (items[i].label != 1) continue;
    ++frauds;
    auto& amounts = fraud_amounts[items[i].currency];
    amounts.second += items[i].amount;
    if (answers[i] == Answer::kReview || answers[i] == Answer::kDecline) {
      ++caught;
      amounts.first += items[i].amount;
    }
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  const double p50 = Percentile(latencies_us, 0.50);
  const double p99 = Percentile(latencies_us, 0.99);
  const double p999 = Percentile(latencies_us, 0.999);
  const double max = latencies_us.empty() ? 0 : static_cast<double>(latencies_us.back()) / 1000;
  auto count = [&](Answer a) { return counts[static_cast<size_t>(a)]; };

  std::cout << fmt::format(
      "replay: {} transactions to {}{}: {} connections, {}, {}\n", items.size(), args.url, path,
      args.concurrency, args.batch > 1 ? fmt::format("batches of {}", args.batch) : "single",
      args.rate > 0 ? fmt::format("fixed rate {:.0f} tx/s", args.rate) : "as fast as answered");
  std::cout << fmt::format("sent in {:.2f} s: {:.0f} transactions/s, {:.0f} requests/s\n", seconds,
                           static_cast<double>(items.size()) / seconds,
                           static_cast<double>(requests) / seconds);
  std::cout << fmt::format(
      "decisions: APPROVE {}, REVIEW {}, DECLINE {}; duplicates {}, rejected {}, failed {}\n",
      count(Answer::kApprove), count(Answer::kReview), count(Answer::kDecline),
      count(Answer::kDuplicate), count(Answer::kRejected), count(Answer::kFailed));
  std::cout << fmt::format(
      "latency per request{}: p50 {:.3f} ms, p99 {:.3f} ms, p99.9 {:.3f} ms, max {:.3f} ms\n",
      args.rate > 0 ? " (from its scheduled time)" : "", p50, p99, p999, max);
  nlohmann::json amounts_json = nlohmann::json::object();
  if (frauds > 0) {
    std::cout << fmt::format("labels: {} frauds; caught (REVIEW or DECLINE) {} ({:.1f}%)\n", frauds,
                             caught,
                             100.0 * static_cast<double>(caught) / static_cast<double>(frauds));
    for (const auto& [packed, amounts] : fraud_amounts) {
      auto currency = Currency::FromPacked(packed);
      if (!currency) continue;
      std::cout << fmt::format(
          "  fraud amount caught: {} of {} {}\n", FormatAmount(amounts.first, currency->Exponent()),
          FormatAmount(amounts.second, currency->Exponent()), currency->Code());
      amounts_json[currency->Code()] = {
          {"caught", FormatAmount(amounts.first, currency->Exponent())},
          {"total", FormatAmount(amounts.second, currency->Exponent())}};
    }
  } else {
    std::cout << "labels: none known for these transactions\n";
  }
  for (const auto& [kind, entry] : errors) {
    std::cout << fmt::format("  {} x {}{}{}\n", entry.first, kind,
                             entry.second.empty() ? "" : ", e.g. ", entry.second);
  }
  if (args.json) {
    nlohmann::json out = {{"transactions", items.size()},
                          {"requests", requests},
                          {"seconds", seconds},
                          {"tx_per_s", static_cast<double>(items.size()) / seconds},
                          {"approve", count(Answer::kApprove)},
                          {"review", count(Answer::kReview)},
                          {"decline", count(Answer::kDecline)},
                          {"duplicates", count(Answer::kDuplicate)},
                          {"rejected", count(Answer::kRejected)},
                          {"failed", count(Answer::kFailed)},
                          {"p50_ms", p50},
                          {"p99_ms", p99},
                          {"p999_ms", p999},
                          {"max_ms", max},
                          {"frauds", frauds},
                          {"frauds_caught", caught},
                          {"fraud_amounts", amounts_json}};
    std::cout << out.dump() << "\n";
  }
  return count(Answer::kFailed) == 0 ? 0 : 1;
}

}  // namespace

void RegisterReplay(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Post the transactions of a time range to a running `panorama serve`");
  cmd->add_option("--url", args->url, "The server")->capture_default_str();
  cmd->add_option("--data", args->data_dir, "Read transactions and labels from this log");
  cmd->add_option("--file", args->file, "Read transactions from this CSV or JSON Lines file");
  cmd->add_option("--labels", args->labels_file, "Labels file (with --file)");
  cmd->add_option("--from", args->from, "First transaction time (ISO 8601, inclusive)");
  cmd->add_option("--to", args->to, "End of the range (ISO 8601, exclusive)");
  cmd->add_option("--concurrency", args->concurrency, "Connections")->capture_default_str();
  cmd->add_option("--batch", args->batch, "Transactions per request (> 1: the batch endpoint)")
      ->capture_default_str();
  cmd->add_option("--rate", args->rate, "Transactions per second (0: as fast as answered)")
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "At most this many transactions (0: all)");
  cmd->add_flag("--json", args->json, "Also print one JSON object as the last line");
  cmd->callback([args, &exit_code] { exit_code = RunReplay(*args); });
}

}  // namespace panorama::cli
