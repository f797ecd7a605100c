// The HttpServer's state and helpers shared by its endpoint files (http_server.cc:
// transactions, alerts, health and metrics; http_admin.cc: lists, rules and the model).
#pragma once

#include <httplib.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "server/http_server.h"
#include "server/internal/request_body.h"
#include "server/metrics.h"
#include "server/scoring_service.h"

namespace panorama::server {

// The paths of the API, for 405s and the metrics' `path` label.
enum Route : int {
  kRouteTransactions,
  kRouteBatch,
  kRouteAlerts,
  kRouteLists,
  kRouteList,
  kRouteListValues,
  kRouteRules,
  kRouteRulesReload,
  kRouteModelReload,
  kRouteHealth,
  kRouteMetrics,
  kRouteOther,
  kRouteCount,
};

struct RouteInfo {
  std::string_view label;  // the path template
  std::string_view allow;  // its methods, for the Allow header
};

Route ClassifyPath(std::string_view path);
const RouteInfo& RouteOf(Route route);
bool MethodAllowed(Route route, std::string_view method);

// Status codes counted apart in panorama_http_requests_total; others count as "other".
inline constexpr std::array<int, 18> kCountedCodes = {200, 201, 204, 400, 404, 405, 408, 409, 413,
                                                      414, 415, 422, 429, 431, 500, 501, 503, 505};

// httplib's server with access to its listening socket: httplib listens with a backlog of 5,
// so a burst of connections (a load balancer's, a benchmark's) would see SYNs dropped and
// retried a second later; Bind() raises the backlog.
class ListeningServer : public httplib::Server {
 public:
  socket_t listening_socket() const { return svr_sock_; }
};

struct HttpServer::Impl {
  Impl(ScoringService* s, const HttpOptions& o, PiiTokenizer tokenizer)
      : service(s), options(o), decoder(tokenizer) {}

  void Setup();
  void RegisterMetrics();
  void SetupAdmin();  // http_admin.cc

  // Endpoints.
  void PostTransaction(const httplib::Request& req, httplib::Response& res);
  void PostBatch(const httplib::Request& req, httplib::Response& res);
  void GetAlerts(const httplib::Request& req, httplib::Response& res);
  void GetHealth(const httplib::Request& req, httplib::Response& res);
  void GetMetrics(const httplib::Request& req, httplib::Response& res);

  // Records a request's count and duration once (see http_server.cc).
  void Observe(const httplib::Request& req, const httplib::Response& res);
  // `handler`, then Observe().
  httplib::Server::Handler Observed(httplib::Server::Handler handler);

  ScoringService* service;
  HttpOptions options;
  internal::TransactionDecoder decoder;
  ListeningServer http;
  MetricsRegistry metrics;
  std::array<std::array<Counter*, kCountedCodes.size() + 1>, kRouteCount> requests{};
  std::array<Histogram*, kRouteCount> durations{};
  int port = -1;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> running{false};
};

// Response helpers.
void SendJson(httplib::Response& res, int status, std::string body);
void SendError(httplib::Response& res, int status, std::string_view code, std::string_view field,
               std::string_view reason, int64_t offset = -1);
// Maps a Status of the service to an HTTP status and error code, and sends it.
void SendStatus(httplib::Response& res, const Status& status);
// Checks the content type (JSON or none) and the size of a body; sends 415 / 413 and returns
// false when it does not fit.
bool AcceptBody(const httplib::Request& req, httplib::Response& res, size_t max_bytes);
// CheckJson with a 400 on failure.
bool AcceptJson(const httplib::Request& req, httplib::Response& res);

}  // namespace panorama::server
