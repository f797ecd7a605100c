// panorama serve: the online scoring service of a data directory over HTTP. SIGTERM and
// SIGINT stop it gracefully (in-flight requests finish, the log is synced); SIGHUP reloads the
// rule set (and the model, when one is served) from their files.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "server/http_server.h"
#include "server/scoring_service.h"

namespace panorama::cli {
namespace {

struct ServeArgs {
  std::string data_dir;
  std::string spec_path;
  std::string rules_path;
  std::string model_path;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 64;
  std::string sync = "batch";
  size_t max_group = 4096;
};

int Fail(const std::string& message) {
  std::cerr << "panorama serve: " << message << "\n";
  return 1;
}

void PrintRecovery(const std::string& data_dir, const server::ScoringService& service) {
  const server::RecoveryInfo& r = service.recovery();
  PrintStoreRecovery(r.store, std::cout);
  std::cout << fmt::format(
      "opened {}: {} log records ({} transactions, {} decisions) replayed into the features in "
      "{:.2f} s; serving from seq {}\n",
      data_dir, r.records, r.transactions, r.decisions, r.seconds, r.serving_start);
  if (r.rejected_late > 0) {
    std::cout << fmt::format(
        "recovered: {} transactions of the log are later than the features "
        "allow (refused as late: no features, no decision)\n",
        r.rejected_late);
  }
  if (r.decided_on_open > 0) {
    std::cout << fmt::format("recovered: {} transactions without a decision were decided\n",
                             r.decided_on_open);
  }
  auto decider = service.decider();
  std::string model = decider->model_label();
  std::cout << fmt::format("rules {} ({} rules), model {}\n", decider->ruleset_label(),
                           decider->rules().rules().size(), model.empty() ? "none" : model);
}

int RunServe(const ServeArgs& args) {
  server::ServiceOptions options;
  options.data_dir = args.data_dir;
  options.spec_path = args.spec_path;
  options.rules_path = args.rules_path;
  options.model_path = args.model_path;
  options.max_group = std::max<size_t>(args.max_group, 1);
  const std::optional<SyncPolicy> sync = ParseSyncFlag(args.sync);
  if (!sync) return Fail("--sync must be batch, interval or none");
  options.sync = *sync;

  // The signals are taken by one thread with sigwait(); every thread started from here on
  // inherits the mask, so no handler ever runs inside the service's threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c): a closed client socket is not fatal

  auto service = server::ScoringService::Open(options);
  if (!service.ok()) return Fail(service.status().ToString());
  PrintRecovery(args.data_dir, **service);

  server::HttpOptions http_options;
  http_options.host = args.host;
  http_options.port = args.port;
  http_options.threads = std::max(args.threads, 1);
  auto http = server::HttpServer::Create(service->get(), http_options);
  if (!http.ok()) return Fail(http.status().ToString());
  Status bound = (*http)->Bind();
  if (!bound.ok()) return Fail(bound.ToString());
  std::cout << fmt::format("listening on http://{}:{}", args.host, (*http)->port()) << std::endl;

  server::ScoringService* svc = service->get();
  server::HttpServer* srv = http->get();
  std::atomic<bool> stopping{false};
  std::thread waiter([&signals, &stopping, svc, srv] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        Status reloaded = svc->Reload();
        if (reloaded.ok()) {
          std::cout << "reloaded: rules " << svc->decider()->ruleset_label() << std::endl;
        } else {
          std::cerr << "panorama serve: reload failed (still serving the previous rules): "
                    << reloaded.ToString() << std::endl;
        }
        continue;
      }
      if (!stopping.exchange(true)) {
        std::cout << "stopping: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << std::endl;
      }
      srv->Stop();
      return;
    }
  });

  Status served = srv->Run();
  // Run() returns after a signal's Stop(), or on its own when the server failed: then the
  // waiter is woken by a signal of our own (blocked in every thread, so only sigwait takes it).
  if (!stopping.exchange(true)) ::kill(::getpid(), SIGTERM);
  waiter.join();
  Status closed = svc->Shutdown();
  server::ServiceCounters c = svc->counters();
  std::cout << fmt::format(
      "stopped: {} decided ({} APPROVE, {} REVIEW, {} DECLINE), {} duplicates, {} rejected in {} "
      "group commits; log ends at seq {}\n",
      c.decided, c.approve, c.review, c.decline, c.duplicates, c.rejected, c.groups,
      svc->last_seq());
  if (!served.ok()) return Fail(served.ToString());
  if (!closed.ok()) return Fail(closed.ToString());
  return 0;
}

}  // namespace

void RegisterServe(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Score transactions online over HTTP: features, rules, model, durable decisions");
  cmd->add_option("--data", args->data_dir, "Data directory")->required();
  cmd->add_option("--spec", args->spec_path, "Feature spec (YAML)")->required();
  cmd->add_option("--rules", args->rules_path, "Rule set (YAML)")->required();
  cmd->add_option("--model", args->model_path, "Model file (panorama train)");
  cmd->add_option("--host", args->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->port, "Port (0 picks a free one)")->capture_default_str();
  cmd->add_option("--threads", args->threads, "HTTP worker threads (one per open connection)")
      ->capture_default_str();
  cmd->add_option("--sync", args->sync, kSyncFlagHelp)->capture_default_str();
  cmd->add_option("--max-group", args->max_group, "Transactions per group commit at most")
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = RunServe(*args); });
}

}  // namespace panorama::cli
