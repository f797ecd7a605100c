// Crash test: clients post transactions to `panorama serve` from several threads (single and
// batch requests, retrying what was not acknowledged), the server is SIGKILLed at seeded
// random moments and restarted, a few rounds, then stopped with SIGTERM. The log must then
// hold every acknowledged transaction exactly once, each followed by exactly one decision
// — the one the client was told — and no decision without its transaction.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "core/event_codec.h"
#include "core/schema.h"
#include "core/time.h"
#include "log/transaction_log.h"
#include "state/event_store.h"
#include "support/process.h"

extern char** environ;

namespace panorama {
namespace {

using nlohmann::json;

constexpr int kKills = 10;
constexpr int kClients = 4;
// Bounds the wait for the server to print its address, in 10 ms polls: against a hang, not a
// timing threshold.
constexpr int kMaxPolls = 6000;

constexpr const char* kSpec = R"(name: crash
version: 1
allowed_lateness: 1h
features:
  - name: customer_count_1h
    entity: customer_id
    agg: count
    window: 1h
  - name: card_amount_sum_24h
    entity: card_id
    agg: sum
    field: amount
    window: 24h
)";

constexpr const char* kRules = R"(name: crash
version: "1"
policy:
  review_at: 500
  decline_at: 800
rules:
  - id: big
    when: amount >= 50000
    action: {score: 500, tag: big}
  - id: velocity
    when: customer_count_1h >= 3
    action: {score: 300, tag: velocity}
)";

struct Server {
  pid_t pid = -1;
  int port = 0;
  std::string out_path;
};

// Starts `panorama serve` with stdout in `out_path` and waits for its address.
Server StartServer(const std::string& root, int round) {
  Server server;
  server.out_path = root + "/serve-" + std::to_string(round) + ".out";
  std::vector<std::string> args = {testing::PanoramaBinary(),
                                   "serve",
                                   "--data",
                                   root + "/data",
                                   "--spec",
                                   root + "/spec.yaml",
                                   "--rules",
                                   root + "/rules.yaml",
                                   "--port",
                                   "0",
                                   "--threads",
                                   "16"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, server.out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (server.out_path + ".err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (posix_spawn(&server.pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    server.pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  for (int poll = 0; poll < kMaxPolls && server.pid > 0; ++poll) {
    std::string out = testing::ReadFile(server.out_path);
    size_t at = out.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      server.port = std::stoi(out.substr(at + 30));
      break;
    }
    int status = 0;
    if (::waitpid(server.pid, &status, WNOHANG) == server.pid) {
      server.pid = -1;  // it died on its own
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return server;
}

std::string TxJson(uint64_t k) {
  // Customers and cards repeat, so the features (and the rules on them) see history.
  const Timestamp ts = ParseIso8601("2026-09-01T00:00:00Z").value() +
                       static_cast<Timestamp>(k) * 10'000;  // 10 ms apart
  return fmt::format(R"({{"tx_id":"T{:08}","ts":"{}","customer_id":"C{:03}","card_id":"K{:03}",)"
                     R"("channel":"POS","type":"PURCHASE","amount":"{}.{:02}","currency":"CNY"}})",
                     k, FormatIso8601(ts), k % 97, k % 89, (k * 7919) % 900, k % 100);
}

// What the clients were told, shared by all of them.
struct Acknowledged {
  std::mutex mu;
  std::map<std::string, std::string> decision;  // tx_id -> APPROVE / REVIEW / DECLINE
  uint64_t duplicates = 0;
  std::string conflict;  // a transaction told two different decisions

  void Record(const json& result) {
    if (!result.is_object() || !result.contains("tx_id") || !result["decision"].is_string()) {
      return;
    }
    std::lock_guard lock(mu);
    const std::string id = result["tx_id"];
    const std::string d = result["decision"];
    if (result.value("duplicate", false)) ++duplicates;
    auto [it, inserted] = decision.emplace(id, d);
    if (!inserted && it->second != d && conflict.empty())
      conflict = id + ": " + it->second + " then " + d;
  }
};

// One client: posts new transactions (every fourth request a batch of five), re-sending what
// was not acknowledged first, until told to stop.
struct Client {
  std::vector<uint64_t> pending;  // sent but not acknowledged (the server died)
  uint64_t sent = 0;
  std::string error;  // an answer that should never happen

  void Run(int port, std::atomic<uint64_t>* next, std::atomic<bool>* stop, Acknowledged* acks,
           uint64_t seed) {
    httplib::Client http("127.0.0.1", port);
    http.set_keep_alive(true);
    http.set_connection_timeout(2, 0);
    http.set_read_timeout(10, 0);
    std::mt19937_64 rng(seed);
    while (!stop->load()) {
      std::vector<uint64_t> ks;
      if (!pending.empty()) {
        ks.swap(pending);
      } else {
        const size_t n = rng() % 4 == 0 ? 5 : 1;
        for (size_t i = 0; i < n; ++i) ks.push_back(next->fetch_add(1));
      }
      std::string body;
      const bool batch = ks.size() > 1;
      if (batch) {
        body = R"({"transactions":[)";
        for (size_t i = 0; i < ks.size(); ++i) body += (i > 0 ? "," : "") + TxJson(ks[i]);
        body += "]}";
      } else {
        body = TxJson(ks[0]);
      }
      auto res = http.Post(batch ? "/v1/transactions/batch" : "/v1/transactions", body,
                           "application/json");
      ++sent;
      if (!res || res->status == 503) {
        pending = ks;  // unknown outcome: retried, must come back decided or as a duplicate
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (res->status != 200) {
        if (error.empty()) error = fmt::format("HTTP {}: {}", res->status, res->body);
        continue;
      }
      json parsed = json::parse(res->body, nullptr, false);
      if (batch) {
        if (!parsed.contains("results") || parsed["results"].size() != ks.size()) {
          if (error.empty()) error = "bad batch answer: " + res->body;
          continue;
        }
        for (const json& r : parsed["results"]) {
          if (r.contains("error") && error.empty()) error = "item error: " + r.dump();
          acks->Record(r);
        }
      } else {
        acks->Record(parsed);
      }
    }
  }
};

TEST(ServeCrashTest, AcknowledgedTransactionsSurviveKillsWithTheirDecisions) {
  const std::string root = testing::MakeTempDir("panorama-serve-crash");
  testing::WriteFile(root + "/spec.yaml", kSpec);
  testing::WriteFile(root + "/rules.yaml", kRules);
  std::mt19937_64 rng(20261203);
  std::uniform_int_distribution<int> moment_ms(100, 600);
  Acknowledged acks;
  std::atomic<uint64_t> next{0};
  std::vector<Client> clients(kClients);
  int kills = 0;

  for (int round = 0; round <= kKills; ++round) {
    Server server = StartServer(root, round);
    ASSERT_GT(server.pid, 0) << testing::ReadFile(server.out_path + ".err");
    ASSERT_GT(server.port, 0) << testing::ReadFile(server.out_path + ".err");
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
      threads.emplace_back([&, c] {
        clients[static_cast<size_t>(c)].Run(server.port, &next, &stop, &acks,
                                            rng() + static_cast<uint64_t>(c));
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(rng)));
    int status = 0;
    if (round < kKills) {
      ASSERT_EQ(::kill(server.pid, SIGKILL), 0);
      ::waitpid(server.pid, &status, 0);
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << testing::ReadFile(server.out_path + ".err");
      ++kills;
      stop.store(true);
      for (auto& t : threads) t.join();
    } else {
      // The last round: the clients finish what they retry, then a graceful stop.
      for (Client& c : clients) ASSERT_TRUE(c.error.empty()) << c.error;
      stop.store(true);
      for (auto& t : threads) t.join();
      ASSERT_EQ(::kill(server.pid, SIGTERM), 0);
      ::waitpid(server.pid, &status, 0);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << testing::ReadFile(server.out_path + ".err");
      EXPECT_NE(testing::ReadFile(server.out_path).find("stopped:"), std::string::npos);
    }
  }
  ASSERT_EQ(kills, kKills);
  for (const Client& c : clients) EXPECT_TRUE(c.error.empty()) << c.error;
  EXPECT_TRUE(acks.conflict.empty()) << acks.conflict;
  ASSERT_GT(acks.decision.size(), 100u) << "too few transactions acknowledged to test anything";

  // The log, read back.
  auto reader = LogReader::OpenRange(LogDir(root + "/data"), 1);
  ASSERT_TRUE(reader.ok());
  std::map<std::string, int> transactions;
  std::map<std::string, std::string> decisions;
  std::string previous_tx;
  LogRecord record;
  Event event;
  while ((*reader)->Next(&record)) {
    ASSERT_TRUE(DecodeEvent(record.payload, &event).ok());
    const std::string id(event.id());
    if (event.kind() == EventKind::kTransaction) {
      ++transactions[id];
      EXPECT_EQ(transactions[id], 1) << id << " stored twice";
    } else if (event.kind() == EventKind::kDecision) {
      EXPECT_TRUE(transactions.contains(id))
          << "decision before or without its transaction: " << id;
      EXPECT_FALSE(decisions.contains(id)) << "second decision for " << id;
      static constexpr std::string_view kNames[] = {"APPROVE", "REVIEW", "DECLINE"};
      decisions[id] = std::string(kNames[event.num(decision::kDecision)]);
    }
  }
  ASSERT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  for (const auto& [id, n] : transactions) {
    EXPECT_TRUE(decisions.contains(id)) << id << " has no decision";
  }
  for (const auto& [id, told] : acks.decision) {
    ASSERT_TRUE(transactions.contains(id)) << "acknowledged " << id << " is not in the log";
    EXPECT_EQ(decisions[id], told) << id;
  }
  auto verify = testing::RunPanorama({"verify", "--data", root + "/data"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  std::cout << fmt::format(
      "{} kills; {} transactions acknowledged ({} answers as duplicates), {} "
      "in the log\n",
      kills, acks.decision.size(), acks.duplicates, transactions.size());
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

}  // namespace
}  // namespace panorama
