// HttpServer: the JSON API of a ScoringService over HTTP/1.1 (cpp-httplib), with Prometheus
// metrics. docs/serving.md is the user's reference of the endpoints; keep the two in step.
//
// Contract:
//  - Every response is JSON (except /metrics): errors are {"error": {"status", "code",
//    "field", "reason"[, "offset"]}} with 400 for bad input (bad JSON with its byte offset,
//    invalid fields with the field and the ingest validator's reason, late transactions),
//    404 for an unknown path, 405 for a known path with another method, 413 for a body over
//    the limit, 415 for a content type other than JSON, 503 while shutting down or unhealthy.
//    No input crashes the server; a bad item of a batch never costs a good one.
//  - A 200 for a transaction means it is durable in the log with its decision.
//  - Stop() (from any thread) stops accepting connections, lets in-flight requests finish and
//    makes Run() return. The ScoringService is not shut down by the server.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/metrics.h"
#include "server/scoring_service.h"

namespace panorama::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0 picks a free port (see port())
  int threads = 64;                 // worker threads; each open keep-alive connection holds one
  size_t max_body_bytes = 1 << 20;  // single transactions and other bodies (413 above)
  size_t max_batch_body_bytes = 32 << 20;  // POST /v1/transactions/batch
  size_t max_batch_items = 10'000;
  size_t keep_alive_max_count = 10'000;  // requests per connection before it is closed
  int keep_alive_timeout_s = 5;
};

class HttpServer {
 public:
  // `service` must outlive the server. Loads the data directory's PII key (tokenizing
  // personal-data fields exactly as ingest does).
  static Result<std::unique_ptr<HttpServer>> Create(ScoringService* service,
                                                    const HttpOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; afterwards port() is the port bound.
  Status Bind();
  int port() const;
  // Serves until Stop(); returns after in-flight requests have finished.
  Status Run();
  void Stop();

  MetricsRegistry& metrics();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace panorama::server
