// HttpServer: routing, errors, metrics, and the transaction, alert and health endpoints.
#include "server/http_server.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <thread>

#include "core/time.h"
#include "server/internal/http_impl.h"
#include "server/internal/json_out.h"
#include "state/event_store.h"

namespace panorama::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kListenBacklog = 1024;

constexpr std::array<RouteInfo, kRouteCount> kRoutes = {{
    {"/v1/transactions", "POST"},
    {"/v1/transactions/batch", "POST"},
    {"/v1/alerts", "GET"},
    {"/v1/lists", "GET"},
    {"/v1/lists/{name}", "GET, PUT, DELETE"},
    {"/v1/lists/{name}/values", "POST"},
    {"/v1/rules", "GET"},
    {"/v1/rules/reload", "POST"},
    {"/v1/model/reload", "POST"},
    {"/healthz", "GET"},
    {"/metrics", "GET"},
    {"other", ""},
}};

// The request a worker thread is serving: when it began (set before routing; zero when
// routing never started, as for a malformed request) and whether its metrics were recorded.
// They are recorded before the response is written (after the handler, or in the error
// handler), so a client that reads /metrics after a response sees that response counted; the
// logger, which runs after the write, only catches what those missed.
thread_local Clock::time_point request_start{};
thread_local bool request_observed = false;

// Per-thread buffers of the transaction endpoints, reused request after request.
struct Scratch {
  std::vector<std::string_view> items;
  std::vector<Event> events;
  std::vector<uint8_t> ok;
  std::vector<internal::ItemError> errors;
  std::vector<Event> valid;
  std::vector<size_t> valid_index;
  std::vector<TxOutcome> outcomes;
  std::string out;
};
thread_local Scratch scratch;

// A decimal integer in [min, max]; false for anything else, overflow included.
bool ParseInt(std::string_view text, int64_t min, int64_t max, int64_t* value) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, v);
  if (text.empty() || error != std::errc() || ptr != end || v < min || v > max) return false;
  *value = v;
  return true;
}

bool IsIdText(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

Route ClassifyPath(std::string_view path) {
  for (int r = 0; r < kRouteOther; ++r) {
    if (r == kRouteList || r == kRouteListValues) continue;
    if (path == kRoutes[static_cast<size_t>(r)].label) return static_cast<Route>(r);
  }
  constexpr std::string_view kListsPrefix = "/v1/lists/";
  if (path.starts_with(kListsPrefix)) {
    std::string_view rest = path.substr(kListsPrefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return rest.empty() ? kRouteOther : kRouteList;
    if (slash > 0 && rest.substr(slash) == "/values") return kRouteListValues;
  }
  return kRouteOther;
}

const RouteInfo& RouteOf(Route route) { return kRoutes[static_cast<size_t>(route)]; }

bool MethodAllowed(Route route, std::string_view method) {
  std::string_view allow = RouteOf(route).allow;
  if (method == "HEAD") method = "GET";
  while (!allow.empty()) {
    size_t comma = allow.find(',');
    std::string_view m = allow.substr(0, comma);
    while (!m.empty() && m.front() == ' ') m.remove_prefix(1);
    if (m == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
  }
  return false;
}

void SendJson(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.body = std::move(body);
  res.set_header("Content-Type", "application/json");
}

void SendError(httplib::Response& res, int status, std::string_view code, std::string_view field,
               std::string_view reason, int64_t offset) {
  SendJson(res, status, internal::ErrorBody(status, code, field, reason, offset));
}

// The answer to a failed Status: HTTP status, error code and the field it concerns.
struct ErrorAnswer {
  int http_status;
  std::string_view code;
  std::string_view field;
};

ErrorAnswer AnswerFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return {400, "invalid_argument", ""};
    case StatusCode::kOutOfRange:  // the scoring service's late transaction
      return {400, "late", "ts"};
    case StatusCode::kNotFound:
      return {404, "not_found", ""};
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return {409, "conflict", ""};
    default:
      return {503, "unavailable", ""};
  }
}

void SendStatus(httplib::Response& res, const Status& status) {
  if (status.ok()) {
    SendJson(res, 200, "{}\n");
    return;
  }
  const ErrorAnswer answer = AnswerFor(status.code());
  // A server-side failure names its kind too (status.ToString()); the client's own error
  // is its message alone.
  SendError(res, answer.http_status, answer.code, answer.field,
            answer.http_status == 503 ? status.ToString() : status.message());
}

bool AcceptBody(const httplib::Request& req, httplib::Response& res, size_t max_bytes) {
  if (req.has_header("Content-Type")) {
    std::string type = req.get_header_value("Content-Type");
    std::string_view t = type;
    t = t.substr(0, t.find(';'));
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    std::string lower(t);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower != "application/json" && !lower.ends_with("+json")) {
      SendError(res, 415, "unsupported_media_type", "",
                "the body must be JSON (Content-Type: application/json), not '" +
                    type.substr(0, 100) + "'");
      return false;
    }
  }
  if (req.body.size() > max_bytes) {
    SendError(res, 413, "payload_too_large", "",
              fmt::format("the body has {} bytes; at most {} are accepted here", req.body.size(),
                          max_bytes));
    return false;
  }
  return true;
}

bool AcceptJson(const httplib::Request& req, httplib::Response& res) {
  internal::JsonProblem problem = internal::CheckJson(req.body);
  if (problem.ok) return true;
  SendError(res, 400, "invalid_json", "", problem.reason, problem.offset);
  return false;
}

void HttpServer::Impl::PostTransaction(const httplib::Request& req, httplib::Response& res) {
  if (!AcceptBody(req, res, options.max_body_bytes) || !AcceptJson(req, res)) return;
  if (internal::FirstByte(req.body) != '{') {
    SendError(res, 400, "invalid_argument", "",
              "the body must be one JSON object (a transaction); batches go to "
              "/v1/transactions/batch");
    return;
  }
  Scratch& s = scratch;
  s.items.assign(1, req.body);
  decoder.Decode(s.items, &s.events, &s.ok, &s.errors);
  if (s.ok[0] == 0) {
    SendError(res, 400, "invalid_argument", s.errors[0].field, s.errors[0].reason);
    return;
  }
  Status submitted = service->Submit(std::span<const Event>(s.events).first(1), &s.outcomes);
  if (!submitted.ok()) {
    SendError(res, 503, "unavailable", "", submitted.message());
    return;
  }
  const TxOutcome& outcome = s.outcomes[0];
  if (!outcome.status.ok()) {
    SendStatus(res, outcome.status);
    return;
  }
  s.out.clear();
  internal::AppendOutcome(outcome, &s.out);
  s.out.push_back('\n');
  SendJson(res, 200, s.out);
}

void HttpServer::Impl::PostBatch(const httplib::Request& req, httplib::Response& res) {
  if (!AcceptBody(req, res, options.max_batch_body_bytes) || !AcceptJson(req, res)) return;
  auto items = internal::SplitArray(req.body, "transactions", options.max_batch_items);
  if (!items.ok()) {
    SendError(res, 400, "invalid_argument", "transactions", items.status().message());
    return;
  }
  Scratch& s = scratch;
  s.items = std::move(items).value();
  const size_t n = s.items.size();
  decoder.Decode(s.items, &s.events, &s.ok, &s.errors);
  s.valid.resize(n);
  s.valid_index.clear();
  for (size_t i = 0; i < n; ++i) {
    if (s.ok[i] == 0) continue;
    std::swap(s.valid[s.valid_index.size()], s.events[i]);
    s.valid_index.push_back(i);
  }
  Status submitted =
      service->Submit(std::span<const Event>(s.valid).first(s.valid_index.size()), &s.outcomes);
  if (!submitted.ok()) {
    SendError(res, 503, "unavailable", "", submitted.message());
    return;
  }
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  s.out.assign("{\"results\":[");
  size_t next_valid = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) s.out.push_back(',');
    if (s.ok[i] == 0) {
      ++rejected;
      fmt::format_to(std::back_inserter(s.out), "{{\"index\":{},\"error\":", i);
      internal::AppendError(400, "invalid_argument", s.errors[i].field, s.errors[i].reason, -1,
                            &s.out);
      s.out.push_back('}');
      continue;
    }
    const TxOutcome& outcome = s.outcomes[next_valid++];
    if (!outcome.status.ok()) {
      ++rejected;
      const ErrorAnswer answer = AnswerFor(outcome.status.code());
      fmt::format_to(std::back_inserter(s.out), "{{\"index\":{},\"tx_id\":", i);
      AppendJsonString(outcome.tx_id, &s.out);
      s.out.append(",\"error\":");
      internal::AppendError(answer.http_status, answer.code, answer.field, outcome.status.message(),
                            -1, &s.out);
      s.out.push_back('}');
      continue;
    }
    if (outcome.duplicate) {
      ++duplicates;
    } else {
      ++accepted;
    }
    internal::AppendOutcome(outcome, &s.out);
  }
  fmt::format_to(std::back_inserter(s.out),
                 "],\"accepted\":{},\"duplicates\":{},\"rejected\":{}}}\n", accepted, duplicates,
                 rejected);
  SendJson(res, 200, s.out);
}

void HttpServer::Impl::GetAlerts(const httplib::Request& req, httplib::Response& res) {
  AlertQuery query;
  for (const auto& [key, value] : req.params) {
    if (req.get_param_value_count(key) > 1) {
      SendError(res, 400, "invalid_argument", key, "parameter given more than once");
      return;
    }
    if (key == "from" || key == "to") {
      auto ts = ParseIso8601(value);
      if (!ts.ok()) {
        SendError(res, 400, "invalid_argument", key, ts.status().message());
        return;
      }
      (key == "from" ? query.from : query.to) = *ts;
    } else if (key == "decision") {
      std::string upper = value;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (upper != "REVIEW" && upper != "DECLINE") {
        SendError(res, 400, "invalid_argument", key, "must be REVIEW or DECLINE");
        return;
      }
      query.decision = upper;
    } else if (key == "rule") {
      if (!IsIdText(value) || value.size() > 64) {
        SendError(res, 400, "invalid_argument", key, "must be a rule id");
        return;
      }
      query.rule = value;
    } else if (key == "customer_id") {
      if (!IsIdText(value)) {
        SendError(res, 400, "invalid_argument", key,
                  "must be an id: 1-128 bytes without spaces or control characters");
        return;
      }
      query.customer_id = value;
    } else if (key == "min_score") {
      int64_t score = 0;
      if (!ParseInt(value, 0, 1000, &score)) {
        SendError(res, 400, "invalid_argument", key, "must be an integer from 0 to 1000");
        return;
      }
      query.min_score = static_cast<int>(score);
    } else if (key == "limit") {
      int64_t limit = 0;
      if (!ParseInt(value, 1, 10'000, &limit)) {
        SendError(res, 400, "invalid_argument", key, "must be an integer from 1 to 10000");
        return;
      }
      query.limit = static_cast<size_t>(limit);
    } else {
      SendError(res, 400, "invalid_argument", key,
                "unknown parameter (from, to, decision, rule, customer_id, min_score, limit)");
      return;
    }
  }
  if (query.from >= query.to) {
    SendError(res, 400, "invalid_argument", "to", "must be later than from");
    return;
  }
  std::vector<Event> alerts = service->Alerts(query);
  std::string out = "{\"alerts\":[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (i > 0) out.push_back(',');
    internal::AppendAlert(alerts[i], &out);
  }
  fmt::format_to(std::back_inserter(out), "],\"count\":{}}}\n", alerts.size());
  SendJson(res, 200, std::move(out));
}

void HttpServer::Impl::GetHealth(const httplib::Request& /*req*/, httplib::Response& res) {
  const bool ok = service->healthy() && !stop_requested.load();
  auto decider = service->decider();
  std::string out =
      fmt::format("{{\"status\":\"{}\",\"last_seq\":{},\"ruleset\":",
                  ok ? "ok" : (service->healthy() ? "stopping" : "unhealthy"), service->last_seq());
  AppendJsonString(decider->ruleset_label(), &out);
  out.append(",\"model\":");
  std::string model = decider->model_label();
  if (model.empty()) {
    out.append("null");
  } else {
    AppendJsonString(model, &out);
  }
  ServiceCounters c = service->counters();
  fmt::format_to(std::back_inserter(out), ",\"decided\":{},\"duplicates\":{},\"rejected\":{}}}\n",
                 c.decided, c.duplicates, c.rejected);
  SendJson(res, ok ? 200 : 503, std::move(out));
}

void HttpServer::Impl::GetMetrics(const httplib::Request& /*req*/, httplib::Response& res) {
  res.status = 200;
  res.body = metrics.Render();
  res.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
}

void HttpServer::Impl::Observe(const httplib::Request& req, const httplib::Response& res) {
  if (request_observed) return;
  request_observed = true;
  const Route route = ClassifyPath(req.path);
  size_t code = kCountedCodes.size();
  for (size_t i = 0; i < kCountedCodes.size(); ++i) {
    if (kCountedCodes[i] == res.status) {
      code = i;
      break;
    }
  }
  requests[route][code]->Inc();
  if (request_start != Clock::time_point{}) {
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - request_start).count();
    durations[route]->Observe(static_cast<uint64_t>(std::max<int64_t>(ns, 0)));
  }
}

httplib::Server::Handler HttpServer::Impl::Observed(httplib::Server::Handler handler) {
  return [this, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    handler(req, res);
    Observe(req, res);
  };
}

void HttpServer::Impl::RegisterMetrics() {
  ScoringService* s = service;
  auto counter = [&](std::string_view name, std::string_view help, std::string labels,
                     std::function<double()> read) {
    metrics.AddCallback(name, help, "counter", std::move(labels), std::move(read));
  };
  constexpr std::string_view kTx = "panorama_transactions_total";
  constexpr std::string_view kTxHelp = "Transactions submitted, by result.";
  counter(kTx, kTxHelp, "result=\"decided\"",
          [s] { return static_cast<double>(s->counters().decided); });
  counter(kTx, kTxHelp, "result=\"duplicate\"",
          [s] { return static_cast<double>(s->counters().duplicates); });
  counter(kTx, kTxHelp, "result=\"rejected\"",
          [s] { return static_cast<double>(s->counters().rejected); });
  constexpr std::string_view kDec = "panorama_decisions_total";
  constexpr std::string_view kDecHelp = "Decisions made, by decision.";
  counter(kDec, kDecHelp, "decision=\"APPROVE\"",
          [s] { return static_cast<double>(s->counters().approve); });
  counter(kDec, kDecHelp, "decision=\"REVIEW\"",
          [s] { return static_cast<double>(s->counters().review); });
  counter(kDec, kDecHelp, "decision=\"DECLINE\"",
          [s] { return static_cast<double>(s->counters().decline); });
  for (int r = 0; r < kRouteCount; ++r) {
    const std::string path = EscapeLabelValue(kRoutes[static_cast<size_t>(r)].label);
    for (size_t c = 0; c <= kCountedCodes.size(); ++c) {
      std::string code = c < kCountedCodes.size() ? std::to_string(kCountedCodes[c]) : "other";
      requests[static_cast<size_t>(r)][c] = metrics.AddSparseCounter(
          "panorama_http_requests_total", "HTTP requests, by path and status code.",
          fmt::format("path=\"{}\",code=\"{}\"", path, code));
    }
  }
  for (int r = 0; r < kRouteCount; ++r) {
    durations[static_cast<size_t>(r)] = metrics.AddHistogram(
        "panorama_http_request_duration_seconds",
        "Time from the request's headers to its response, by path.",
        fmt::format("path=\"{}\"", EscapeLabelValue(kRoutes[static_cast<size_t>(r)].label)),
        LatencyBucketsNs(), 1e9);
  }
  metrics.AddHistogramView("panorama_decision_latency_seconds",
                           "In-process time from submission to decision, per transaction.", "",
                           &s->decision_latency());
  metrics.AddHistogramView("panorama_group_commit_size",
                           "Transactions per group commit (one log append and fsync).", "",
                           &s->group_size());
  counter("panorama_group_commits_total", "Group commits (log appends) made.", "",
          [s] { return static_cast<double>(s->counters().groups); });
  metrics.AddCallback("panorama_log_last_seq", "The log's last sequence number.", "gauge", "",
                      [s] { return static_cast<double>(s->last_seq()); });
  counter("panorama_rules_reloads_total", "Successful reloads of the rule set or the model.", "",
          [s] { return static_cast<double>(s->counters().reloads); });
  metrics.AddCallback("panorama_healthy", "1 while the scoring service is healthy.", "gauge", "",
                      [s] { return s->healthy() ? 1.0 : 0.0; });
}

void HttpServer::Impl::Setup() {
  RegisterMetrics();
  const int threads = std::max(1, options.threads);
  // httplib takes ownership of the queue it gets.
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(std::max(options.max_body_bytes, options.max_batch_body_bytes));
  http.set_keep_alive_max_count(options.keep_alive_max_count);
  http.set_keep_alive_timeout(options.keep_alive_timeout_s);
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.set_tcp_nodelay(true);

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_start = Clock::now();
    request_observed = false;
    // While stopping, /healthz still answers (503, "stopping") so that a balancer can tell.
    if (stop_requested.load() && req.path != "/healthz") {
      SendError(res, 503, "unavailable", "", "the server is shutting down");
      return httplib::Server::HandlerResponse::Handled;
    }
    // A compressed body would be inflated before any limit applies.
    if (req.has_header("Content-Encoding") &&
        req.get_header_value("Content-Encoding") != "identity") {
      SendError(res, 415, "unsupported_media_type", "",
                "compressed bodies (Content-Encoding) are not accepted");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    Observe(req, res);
    request_observed = false;
    request_start = Clock::time_point{};
  });
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const Route route = ClassifyPath(req.path);
        switch (res.status) {
          case 404:
            if (route != kRouteOther && !MethodAllowed(route, req.method)) {
              res.set_header("Allow", std::string(RouteOf(route).allow));
              SendError(res, 405, "method_not_allowed", "",
                        req.method.substr(0, 16) + " is not allowed on " +
                            std::string(RouteOf(route).label) +
                            " (allowed: " + std::string(RouteOf(route).allow) + ")");
            } else {
              SendError(res, 404, "not_found", "", "no such path: " + req.path.substr(0, 200));
            }
            break;
          case 413:
            SendError(res, 413, "payload_too_large", "",
                      fmt::format("the body exceeds {} bytes",
                                  std::max(options.max_body_bytes, options.max_batch_body_bytes)));
            break;
          case 414:
            SendError(res, 414, "uri_too_long", "", "the request target is too long");
            break;
          case 400:
            SendError(res, 400, "bad_request", "", "malformed HTTP request");
            break;
          default:
            SendError(res, res.status, "error", "", fmt::format("HTTP status {}", res.status));
            break;
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request& /*req*/, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unexpected error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
          what = "unknown exception";
        }
        SendError(res, 500, "internal", "", what);
      });

  using Request = httplib::Request;
  using Response = httplib::Response;
  http.Post("/v1/transactions",
            Observed([this](const Request& req, Response& res) { PostTransaction(req, res); }));
  http.Post("/v1/transactions/batch",
            Observed([this](const Request& req, Response& res) { PostBatch(req, res); }));
  http.Get("/v1/alerts",
           Observed([this](const Request& req, Response& res) { GetAlerts(req, res); }));
  http.Get("/healthz",
           Observed([this](const Request& req, Response& res) { GetHealth(req, res); }));
  http.Get("/metrics",
           Observed([this](const Request& req, Response& res) { GetMetrics(req, res); }));
  SetupAdmin();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Create(ScoringService* service,
                                                       const HttpOptions& options) {
  PANO_ASSIGN_OR_RETURN(PiiTokenizer tokenizer,
                        PiiTokenizer::LoadOrCreate(PiiKeyPath(service->options().data_dir)));
  auto impl = std::make_unique<Impl>(service, options, tokenizer);
  impl->Setup();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Status HttpServer::Bind() {
  Impl& i = *impl_;
  if (i.options.port < 0 || i.options.port > 65535) {
    return Status::InvalidArgument(fmt::format("port {} is out of range", i.options.port));
  }
  if (i.options.port == 0) {
    i.port = i.http.bind_to_any_port(i.options.host);
  } else {
    i.port = i.http.bind_to_port(i.options.host, i.options.port) ? i.options.port : -1;
  }
  if (i.port <= 0) {
    return Status::IOError(fmt::format("cannot listen on {}:{}", i.options.host, i.options.port));
  }
  // listen() again on a listening socket sets its backlog (the kernel caps it at somaxconn).
  if (::listen(i.http.listening_socket(), kListenBacklog) != 0) {
    return Status::FromErrno("listen", errno);
  }
  return Status::Ok();
}

int HttpServer::port() const { return impl_->port; }

Status HttpServer::Run() {
  Impl& i = *impl_;
  i.running.store(true);
  if (i.stop_requested.load()) {
    i.running.store(false);
    return Status::Ok();
  }
  bool ok = i.http.listen_after_bind();
  i.running.store(false);
  if (!ok && !i.stop_requested.load()) return Status::IOError("the HTTP server stopped");
  return Status::Ok();
}

void HttpServer::Stop() {
  Impl& i = *impl_;
  i.stop_requested.store(true);
  // Run() may not have started listening yet; stop() does nothing until it has.
  while (i.running.load()) {
    if (i.http.is_running()) {
      i.http.stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

MetricsRegistry& HttpServer::metrics() { return impl_->metrics; }

}  // namespace panorama::server
