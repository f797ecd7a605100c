// The HTTP API against a server on a free port: every endpoint, the 4xx catalogue (each
// naming the field or parameter and the reason), limits, metrics text, and a seeded fuzz of
// request bodies after which the server still answers and is healthy.
#include "server/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "service_fixture.h"

namespace panorama::server::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string TxJson(const std::string& id, const std::string& ts = "2026-09-01T10:00:00Z",
                   const std::string& amount = "12.50", const std::string& customer = "C1") {
  return R"({"tx_id":")" + id + R"(","ts":")" + ts + R"(","customer_id":")" + customer +
         R"(","card_id":"K1","channel":"POS","type":"PURCHASE","amount":")" + amount +
         R"(","currency":"CNY"})";
}

// Sends `request` as is over a new connection; returns everything the server answered.
std::string RawRequest(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    size_t sent = 0;
    while (sent < request.size()) {
      ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    // Not half-closed: httplib takes a peer that shut its writing side as gone. The timeout
    // bounds a hang.
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char buffer[4096];
    for (;;) {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
      // Done once the headers and Content-Length bytes of body are in (the server may keep
      // the connection open after an error it answered before reading the request).
      size_t end = out.find("\r\n\r\n");
      size_t length = out.find("Content-Length: ");
      if (end != std::string::npos && length != std::string::npos && length < end) {
        size_t body = std::stoul(out.substr(length + 16));
        if (out.size() >= end + 4 + body) break;
      }
    }
  }
  ::close(fd);
  return out;
}

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Consumes a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at s[*i].
bool Name(std::string_view s, size_t* i) {
  if (*i >= s.size() || !IsNameStart(s[*i])) return false;
  while (*i < s.size() && IsNameChar(s[*i])) ++*i;
  return true;
}

bool IsCommentLine(std::string_view line) {
  size_t i = 0;
  if (line.starts_with("# HELP ")) {
    i = 7;
  } else if (line.starts_with("# TYPE ")) {
    i = 7;
  } else {
    return false;
  }
  if (!Name(line, &i) || i >= line.size() || line[i] != ' ') return false;
  if (line.starts_with("# TYPE ")) {
    std::string_view type = line.substr(i + 1);
    return type == "counter" || type == "gauge" || type == "histogram" || type == "summary" ||
           type == "untyped";
  }
  return true;
}

bool IsSampleLine(std::string_view line) {
  size_t i = 0;
  if (!Name(line, &i)) return false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      if (!Name(line, &i) || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
        return false;
      }
      for (i += 2; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\') ++i;
      }
      if (i >= line.size()) return false;
      ++i;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return false;
    }
  }
  if (i >= line.size() || line[i] != ' ') return false;
  std::string value(line.substr(i + 1));
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return true;
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return !value.empty() && end == value.c_str() + value.size();
}

class HttpTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    Open();
    HttpOptions options;
    options.port = 0;
    options.threads = 8;
    options.max_body_bytes = 8192;
    options.max_batch_body_bytes = 1 << 20;
    options.max_batch_items = 100;
    auto created = HttpServer::Create(service_.get(), options);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    server_ = std::move(created).value();
    ASSERT_TRUE(server_->Bind().ok());
    runner_ = std::thread([this] { run_status_ = server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (runner_.joinable()) runner_.join();
    client_.reset();
    server_.reset();
    ServiceTest::TearDown();
  }

  // POSTs `body` as JSON; returns the status and the parsed body (checked to be JSON).
  std::pair<int, json> Post(const std::string& path, const std::string& body,
                            const std::string& type = "application/json") {
    auto res = client_->Post(path, body, type);
    EXPECT_TRUE(res) << "no response for " << path;
    if (!res) return {-1, json()};
    json parsed = json::parse(res->body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << res->body;
    return {res->status, parsed};
  }
  std::pair<int, json> Get(const std::string& path) {
    auto res = client_->Get(path);
    EXPECT_TRUE(res) << "no response for " << path;
    if (!res) return {-1, json()};
    json parsed = json::parse(res->body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << res->body;
    return {res->status, parsed};
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::thread runner_;
  Status run_status_;
};

TEST_F(HttpTest, PostTransactionReturnsItsDurableDecision) {
  auto [status, body] = Post("/v1/transactions", TxJson("a", "2026-09-01T10:00:00Z", "2000.00"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["tx_id"], "a");
  EXPECT_EQ(body["seq"], 1);
  EXPECT_EQ(body["duplicate"], false);
  EXPECT_EQ(body["decision"], "REVIEW");
  EXPECT_EQ(body["score"], 501);
  EXPECT_TRUE(body["model_score"].is_null());
  EXPECT_EQ(body["rule_points"], 501);
  EXPECT_EQ(body["rules"], json({"v1_marker", "big_amount"}));
  EXPECT_EQ(body["tags"], json({"v1_marker", "big"}));
  EXPECT_EQ(body["ruleset"], "tiny@1");
  EXPECT_TRUE(body["model"].is_null());
  EXPECT_TRUE(body["latency_us"].is_number_integer());
  // In the log, with its decision.
  auto log = ReadLog(data_);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].event.id(), "a");
  EXPECT_EQ(log[0].event.num(tx::kAmount), 200000);
  EXPECT_EQ(log[1].event.kind(), EventKind::kDecision);

  auto [again, dup] = Post("/v1/transactions", TxJson("a", "2026-09-01T10:00:00Z", "2000.00"));
  EXPECT_EQ(again, 200);
  EXPECT_EQ(dup["duplicate"], true);
  EXPECT_EQ(dup["seq"], 1);
  EXPECT_EQ(dup["decision"], "REVIEW");
  // A missing content type is accepted; pretty-printed JSON too.
  const std::string pretty =
      "{\n  \"tx_id\": \"b\", \"ts\": \"2026-09-01T10:00:01Z\",\n \"customer_id\": \"C2\", "
      "\"channel\": \"ATM\", \"type\": \"WITHDRAWAL\", \"amount\": 100, \"currency\": \"CNY\"\n}";
  std::string response =
      RawRequest(server_->port(), "POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                      std::to_string(pretty.size()) +
                                      "\r\nConnection: close\r\n\r\n" + pretty);
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("\"tx_id\":\"b\""));
}

struct BadCase {
  std::string name;
  std::string body;
  std::string code;
  std::string field;   // "" for null
  std::string reason;  // a substring of the reason
};

TEST_F(HttpTest, BadTransactionsGet400NamingFieldAndReason) {
  std::string deep =
      R"({"tx_id":"x","note":)" + std::string(200, '[') + std::string(200, ']') + "}";
  std::string big_mcc = TxJson("m");
  big_mcc.insert(big_mcc.size() - 1, R"(,"mcc":123456789012345678901234567890)");
  const std::vector<BadCase> cases = {
      {"truncated JSON", R"({"tx_id":"x",)", "invalid_json", "", "parse error"},
      {"garbage", "not json", "invalid_json", "", "parse error"},
      {"empty body", "", "invalid_json", "", "parse error"},
      {"trailing garbage", TxJson("x") + "}", "invalid_json", "", "parse error"},
      {"invalid UTF-8", "{\"tx_id\":\"\xff\xfe\"}", "invalid_json", "", "parse error"},
      {"deep nesting", deep, "invalid_json", "", "nested deeper than"},
      {"an array", "[" + TxJson("x") + "]", "invalid_argument", "", "one JSON object"},
      {"a string", "\"x\"", "invalid_argument", "", "one JSON object"},
      {"a number", "42", "invalid_argument", "", "one JSON object"},
      {"null", "null", "invalid_argument", "", "one JSON object"},
      {"missing customer",
       R"({"tx_id":"x","ts":"2026-09-01T10:00:00Z","channel":"POS",)"
       R"("type":"PURCHASE","amount":"1","currency":"CNY"})",
       "invalid_argument", "customer_id", "required"},
      {"missing tx_id", R"({"ts":"2026-09-01T10:00:00Z"})", "invalid_argument", "tx_id",
       "required"},
      {"unknown enum", TxJson("x").replace(TxJson("x").find("POS"), 3, "BOAT"), "invalid_argument",
       "channel", "BOAT"},
      {"amount object", TxJson("x").replace(TxJson("x").find("\"12.50\""), 7, "{}"),
       "invalid_argument", "amount", "expected a string, number"},
      {"amount array", TxJson("x").replace(TxJson("x").find("\"12.50\""), 7, "[1]"),
       "invalid_argument", "amount", "expected a string, number"},
      {"amount boolean", TxJson("x").replace(TxJson("x").find("\"12.50\""), 7, "true"),
       "invalid_argument", "amount", ""},
      {"negative amount", TxJson("x", "2026-09-01T10:00:00Z", "-1"), "invalid_argument", "amount",
       "negative"},
      {"too many decimals", TxJson("x", "2026-09-01T10:00:00Z", "1.234"), "invalid_argument",
       "amount", ""},
      {"huge amount", TxJson("x", "2026-09-01T10:00:00Z", "99999999999999999999999999"),
       "invalid_argument", "amount", ""},
      {"exponent amount", TxJson("x").replace(TxJson("x").find("\"12.50\""), 7, "1e3"),
       "invalid_argument", "amount", "plain decimal"},
      {"overflowing number", TxJson("x").replace(TxJson("x").find("\"12.50\""), 7, "1e400"),
       "invalid_json", "", "overflow"},
      {"huge mcc", big_mcc, "invalid_argument", "mcc", ""},
      {"bad timestamp", TxJson("x", "yesterday"), "invalid_argument", "ts", ""},
      {"impossible date", TxJson("x", "2023-02-29T10:00:00Z"), "invalid_argument", "ts", ""},
      {"no offset", TxJson("x", "2026-09-01T10:00:00"), "invalid_argument", "ts", ""},
      {"unknown currency", TxJson("x").replace(TxJson("x").find("CNY"), 3, "XYZ"),
       "invalid_argument", "currency", ""},
      {"duplicate key", TxJson("x").insert(1, R"("amount":"1",)"), "invalid_argument", "amount",
       "duplicate key"},
      {"id with a space", TxJson("x y"), "invalid_argument", "tx_id", ""},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto [status, body] = Post("/v1/transactions", c.body);
    EXPECT_EQ(status, 400) << body.dump();
    const json& error = body["error"];
    EXPECT_EQ(error["status"], 400);
    EXPECT_EQ(error["code"], c.code) << body.dump();
    if (c.field.empty()) {
      EXPECT_TRUE(error["field"].is_null()) << body.dump();
    } else {
      EXPECT_EQ(error["field"], c.field) << body.dump();
    }
    ASSERT_TRUE(error["reason"].is_string());
    EXPECT_THAT(error["reason"].get<std::string>(), HasSubstr(c.reason));
    if (c.code == "invalid_json" && c.reason == "parse error") {
      EXPECT_TRUE(error["offset"].is_number_integer()) << body.dump();
    }
  }
  auto [truncated, body] = Post("/v1/transactions", R"({"tx_id":"x",)");
  EXPECT_EQ(body["error"]["offset"], 13);  // the end of input, where a key was expected
  EXPECT_TRUE(ReadLog(data_).empty());     // nothing was stored
}

TEST_F(HttpTest, LateTransactionIs400AndNotStored) {
  ASSERT_EQ(Post("/v1/transactions", TxJson("a", "2026-09-01T10:00:00Z")).first, 200);
  auto [status, body] = Post("/v1/transactions", TxJson("old", "2026-09-01T09:00:00Z"));
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"]["code"], "late");
  EXPECT_EQ(body["error"]["field"], "ts");
  EXPECT_THAT(body["error"]["reason"].get<std::string>(), HasSubstr("watermark"));
  EXPECT_EQ(ReadLog(data_).size(), 2u);
}

TEST_F(HttpTest, LimitsAndContentTypes) {
  std::string big = TxJson("x");
  big.insert(big.size() - 1, R"(,"city":")" + std::string(9000, 'a') + "\"");
  auto [status, body] = Post("/v1/transactions", big);
  EXPECT_EQ(status, 413);
  EXPECT_EQ(body["error"]["code"], "payload_too_large");
  std::string huge = R"({"transactions":[)" + std::string(2 << 20, ' ') + "]}";
  auto [status2, body2] = Post("/v1/transactions/batch", huge);
  EXPECT_EQ(status2, 413);
  EXPECT_EQ(body2["error"]["status"], 413);
  auto [status3, body3] = Post("/v1/transactions", TxJson("x"), "text/csv");
  EXPECT_EQ(status3, 415);
  EXPECT_EQ(body3["error"]["code"], "unsupported_media_type");
  EXPECT_EQ(Post("/v1/transactions", TxJson("y"), "application/json; charset=utf-8").first, 200);
  // A compressed body is refused before it is read; on a kept-alive connection the next
  // request is still understood (the server closes that connection and the client opens
  // another).
  httplib::Client keep("127.0.0.1", server_->port());
  keep.set_keep_alive(true);
  httplib::Headers gzip = {{"Content-Encoding", "gzip"}};
  auto res = keep.Post("/v1/transactions", gzip, std::string(5000, 'x'), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);
  auto after = keep.Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << after->body;
}

TEST_F(HttpTest, MalformedHttpIsRefusedAndTheServerGoesOn) {
  std::string garbage = RawRequest(server_->port(), "GARBAGE\r\n\r\n");
  EXPECT_THAT(garbage, ::testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(garbage, HasSubstr("\"code\":\"bad_request\""));
  std::string brew =
      RawRequest(server_->port(), "BREW /v1/transactions HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(brew, ::testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(brew, HasSubstr("\"code\":\"bad_request\""));
  std::string long_target =
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string answer = RawRequest(server_->port(), long_target);
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 414"));
  EXPECT_THAT(answer, HasSubstr("uri_too_long"));
  std::string headers = "GET /healthz HTTP/1.1\r\nConnection: close\r\n";
  for (int i = 0; i < 2000; ++i)
    headers += "X-" + std::to_string(i) + ": " + std::string(50, 'v') + "\r\n";
  std::string many = RawRequest(server_->port(), headers + "\r\n");
  EXPECT_FALSE(many.starts_with("HTTP/1.1 5")) << many.substr(0, 200);
  EXPECT_EQ(Get("/healthz").first, 200);
}

TEST_F(HttpTest, UnknownPathIs404AndWrongMethodIs405) {
  auto [status, body] = Get("/v1/nope");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["error"]["code"], "not_found");
  auto res = client_->Get("/v1/transactions");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  EXPECT_THAT(res->body, HasSubstr("method_not_allowed"));
  auto del = client_->Delete("/healthz");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  auto patch = client_->Patch("/v1/lists/x", "{}", "application/json");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 405);
  EXPECT_EQ(patch->get_header_value("Allow"), "GET, PUT, DELETE");
}

TEST_F(HttpTest, BatchDecidesGoodItemsWhateverTheBadOnes) {
  std::string body = R"({"transactions":[)" + TxJson("b1", "2026-09-01T10:00:00Z", "2000") + "," +
                     TxJson("b1", "2026-09-01T10:00:00Z", "2000") + ",7," + R"({"tx_id":"b3"},)" +
                     TxJson("b4", "2026-09-01T10:00:01Z", "1", "C2") + "," +
                     TxJson("late", "2026-09-01T08:00:00Z") + "]}";
  auto [status, out] = Post("/v1/transactions/batch", body);
  ASSERT_EQ(status, 200) << out.dump();
  const json& results = out["results"];
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[0]["decision"], "REVIEW");
  EXPECT_EQ(results[1]["duplicate"], true);
  EXPECT_EQ(results[1]["seq"], results[0]["seq"]);
  EXPECT_EQ(results[2]["index"], 2);
  EXPECT_EQ(results[2]["error"]["code"], "invalid_argument");
  EXPECT_EQ(results[3]["index"], 3);
  EXPECT_EQ(results[3]["error"]["field"], "ts");
  EXPECT_EQ(results[4]["decision"], "APPROVE");
  EXPECT_EQ(results[5]["error"]["code"], "late");
  EXPECT_EQ(out["accepted"], 2);
  EXPECT_EQ(out["duplicates"], 1);
  EXPECT_EQ(out["rejected"], 3);
  EXPECT_EQ(ReadLog(data_).size(), 4u);

  for (const std::string& bad :
       {std::string(R"({"transactions":5})"), std::string("[]"), std::string(R"({"other":[]})"),
        std::string(R"({"transactions":[],"transactions":[]})")}) {
    SCOPED_TRACE(bad);
    auto [s, e] = Post("/v1/transactions/batch", bad);
    EXPECT_EQ(s, 400);
    EXPECT_EQ(e["error"]["field"], "transactions");
  }
  std::string many = R"({"transactions":[)";
  for (int i = 0; i < 101; ++i) many += (i > 0 ? "," : "") + TxJson("m" + std::to_string(i));
  many += "]}";
  auto [s, e] = Post("/v1/transactions/batch", many);
  EXPECT_EQ(s, 400);
  EXPECT_THAT(e["error"]["reason"].get<std::string>(), HasSubstr("more than 100"));
  auto [empty_status, empty] = Post("/v1/transactions/batch", R"({"transactions":[]})");
  EXPECT_EQ(empty_status, 200);
  EXPECT_EQ(empty["accepted"], 0);
}

TEST_F(HttpTest, AlertsQueryValidatesEachParameter) {
  Post("/v1/transactions", TxJson("r1", "2026-09-01T10:00:00Z", "2000", "C1"));
  Post("/v1/transactions", TxJson("ok", "2026-09-01T10:00:01Z", "1", "C2"));
  Post("/v1/transactions", TxJson("d1", "2026-09-01T10:00:02Z", "2000", "C1"));
  auto [status, body] = Get("/v1/alerts");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["count"], 2);
  EXPECT_EQ(body["alerts"][0]["tx_id"], "d1");
  EXPECT_EQ(body["alerts"][0]["decision"], "DECLINE");
  EXPECT_EQ(body["alerts"][0]["amount"], "2000.00");
  EXPECT_EQ(body["alerts"][0]["currency"], "CNY");
  EXPECT_EQ(body["alerts"][0]["customer_id"], "C1");
  EXPECT_EQ(body["alerts"][0]["ts"], "2026-09-01T10:00:02Z");
  EXPECT_EQ(Get("/v1/alerts?decision=review").second["alerts"].size(), 1u);
  EXPECT_EQ(Get("/v1/alerts?rule=velocity&customer_id=C1").second["count"], 1);
  EXPECT_EQ(Get("/v1/alerts?from=2026-09-01T10:00:01Z&to=2026-09-02T00:00:00Z").second["count"], 1);
  EXPECT_EQ(Get("/v1/alerts?min_score=900").second["count"], 0);
  EXPECT_EQ(Get("/v1/alerts?limit=1").second["count"], 1);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"from=yesterday", "from"},
      {"to=2026-13-01T00:00:00Z", "to"},
      {"decision=APPROVE", "decision"},
      {"min_score=abc", "min_score"},
      {"min_score=1001", "min_score"},
      {"limit=0", "limit"},
      {"limit=99999999999", "limit"},
      {"limit=9999999999999999999", "limit"},  // past int64: no overflow
      {"min_score=-", "min_score"},
      {"min_score=+5", "min_score"},
      {"customer_id=a%20b", "customer_id"},
      {"colour=red", "colour"},
      {"limit=1&limit=2", "limit"},
      {"from=2026-09-02T00:00:00Z&to=2026-09-01T00:00:00Z", "to"},
  };
  for (const auto& [query, param] : bad) {
    SCOPED_TRACE(query);
    auto [s, e] = Get("/v1/alerts?" + query);
    EXPECT_EQ(s, 400);
    EXPECT_EQ(e["error"]["field"], param);
  }
}

TEST_F(HttpTest, ListsCanBeManagedAndApplyAtOnce) {
  auto [s0, lists] = Get("/v1/lists");
  ASSERT_EQ(s0, 200);
  ASSERT_EQ(lists["lists"].size(), 1u);  // the rule set's declaration
  EXPECT_EQ(lists["lists"][0]["name"], "blocked_cards");
  auto put =
      client_->Put("/v1/lists/vip", R"({"kind":"allow","type":"customer","description":"x"})",
                   "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  auto conflict =
      client_->Put("/v1/lists/vip", R"({"kind":"deny","type":"customer"})", "application/json");
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->status, 409) << conflict->body;
  auto bad_kind =
      client_->Put("/v1/lists/v2", R"({"kind":"maybe","type":"customer"})", "application/json");
  ASSERT_TRUE(bad_kind);
  EXPECT_EQ(bad_kind->status, 400);
  EXPECT_THAT(bad_kind->body, HasSubstr("\"field\":\"kind\""));

  auto [s1, changed] = Post("/v1/lists/blocked_cards/values", R"({"add":["K9","K8"]})");
  EXPECT_EQ(s1, 200) << changed.dump();
  EXPECT_EQ(changed["added"], 2);
  auto [s2, values] = Get("/v1/lists/blocked_cards?limit=1");
  EXPECT_EQ(s2, 200);
  EXPECT_EQ(values["values"], json({"K8"}));
  EXPECT_EQ(values["next_after"], "K8");
  EXPECT_EQ(Get("/v1/lists/blocked_cards?after=K8").second["values"], json({"K9"}));
  EXPECT_EQ(Get("/v1/lists/nope").first, 404);
  auto [s3, bad_values] = Post("/v1/lists/blocked_cards/values", R"({"add":[1]})");
  EXPECT_EQ(s3, 400);
  EXPECT_EQ(bad_values["error"]["field"], "add");
  EXPECT_EQ(Post("/v1/lists/nope/values", R"({"add":["a"]})").first, 404);

  std::string tx = TxJson("k9");
  tx.replace(tx.find("\"K1\""), 4, "\"K9\"");
  auto [s4, decided] = Post("/v1/transactions", tx);
  EXPECT_EQ(s4, 200);
  EXPECT_EQ(decided["decision"], "DECLINE");

  auto del = client_->Delete("/v1/lists/blocked_cards");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 409);  // the serving rules declare it
  auto del2 = client_->Delete("/v1/lists/vip");
  ASSERT_TRUE(del2);
  EXPECT_EQ(del2->status, 200) << del2->body;
  EXPECT_EQ(Get("/v1/lists").second["lists"].size(), 1u);
}

TEST_F(HttpTest, RulesCanBeReadAndReloaded) {
  auto [s0, rules] = Get("/v1/rules");
  ASSERT_EQ(s0, 200);
  EXPECT_EQ(rules["ruleset"], "tiny@1");
  EXPECT_EQ(rules["rules"].size(), 4u);
  EXPECT_EQ(rules["rules"][3]["id"], "blocked_card");
  EXPECT_EQ(rules["rules"][3]["force"], "DECLINE");
  EXPECT_EQ(rules["rules"][1]["points"], 500);
  EXPECT_TRUE(rules["model"].is_null());

  panorama::testing::WriteFile(root_ + "/v2.yaml", Rules(2));
  auto [s1, reloaded] = Post("/v1/rules/reload", R"({"path":")" + root_ + "/v2.yaml\"}");
  EXPECT_EQ(s1, 200) << reloaded.dump();
  EXPECT_EQ(reloaded["ruleset"], "tiny@2");
  auto [s2, decided] = Post("/v1/transactions", TxJson("a"));
  EXPECT_EQ(decided["ruleset"], "tiny@2");
  EXPECT_EQ(decided["rules"], json({"v2_marker"}));

  panorama::testing::WriteFile(root_ + "/bad.yaml",
                               "name: x\nversion: \"3\"\nrules:\n  - id: r\n"
                               "    when: amount >>= 1\n    action: {score: 1}\n");
  auto [s3, failed] = Post("/v1/rules/reload", R"({"path":")" + root_ + "/bad.yaml\"}");
  EXPECT_EQ(s3, 422);
  EXPECT_EQ(failed["error"]["code"], "invalid_rules");
  EXPECT_THAT(failed["error"]["reason"].get<std::string>(), HasSubstr("bad.yaml:5:"));
  EXPECT_EQ(Get("/v1/rules").second["ruleset"], "tiny@2");
  // Empty body: the current file again (rules.yaml holds version 1).
  auto [s4, current] = Post("/v1/rules/reload", "");
  EXPECT_EQ(s4, 200);
  EXPECT_EQ(current["ruleset"], "tiny@2");  // the current file is now v2.yaml
  EXPECT_EQ(Post("/v1/rules/reload", R"({"path":5})").first, 400);
  EXPECT_EQ(Post("/v1/model/reload", "").first, 422);  // no model is served
}

TEST_F(HttpTest, HealthAndMetrics) {
  auto [s0, health] = Get("/healthz");
  ASSERT_EQ(s0, 200);
  EXPECT_EQ(health["status"], "ok");
  Post("/v1/transactions", TxJson("a"));
  Post("/v1/transactions", TxJson("a"));
  Post("/v1/transactions", "{");
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  // The exposition grammar: `# HELP name text`, `# TYPE name type`, or
  // `name{label="value",...} number`.
  ASSERT_FALSE(IsSampleLine("1bad 1"));  // the checker itself rejects what it should
  ASSERT_FALSE(IsSampleLine("name{l=\"v\" 1"));
  ASSERT_FALSE(IsSampleLine("name 1x"));
  ASSERT_FALSE(IsCommentLine("# TYPE name countr"));
  std::istringstream lines(res->body);
  std::string line;
  std::map<std::string, double> values;
  while (std::getline(lines, line)) {
    if (line.starts_with("#")) {
      EXPECT_TRUE(IsCommentLine(line)) << line;
      continue;
    }
    EXPECT_TRUE(IsSampleLine(line)) << line;
    size_t space = line.rfind(' ');
    values[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  EXPECT_EQ(values["panorama_transactions_total{result=\"decided\"}"], 1);
  EXPECT_EQ(values["panorama_transactions_total{result=\"duplicate\"}"], 1);
  EXPECT_EQ(values["panorama_decisions_total{decision=\"APPROVE\"}"], 1);
  EXPECT_EQ(values["panorama_http_requests_total{path=\"/v1/transactions\",code=\"200\"}"], 2);
  EXPECT_EQ(values["panorama_http_requests_total{path=\"/v1/transactions\",code=\"400\"}"], 1);
  EXPECT_EQ(values["panorama_decision_latency_seconds_count"], 1);
  EXPECT_EQ(values["panorama_decision_latency_seconds_bucket{le=\"+Inf\"}"], 1);
  EXPECT_EQ(values["panorama_group_commit_size_sum"], 2);
  EXPECT_EQ(values["panorama_log_last_seq"], 2);
  EXPECT_EQ(values["panorama_http_request_duration_seconds_count{path=\"/v1/transactions\"}"], 3);
  EXPECT_TRUE(values.contains("panorama_rules_reloads_total"));
}

TEST_F(HttpTest, StopLetsRunReturn) {
  EXPECT_EQ(Post("/v1/transactions", TxJson("a")).first, 200);
  server_->Stop();
  runner_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
  auto res = client_->Get("/healthz");
  EXPECT_FALSE(res);  // nobody listens any more
}

// Seeded mutations of valid bodies: every request gets a JSON answer of a 2xx/4xx status, and
// the server stays healthy.
TEST_F(HttpTest, MutatedBodiesNeverBreakTheServer) {
  std::mt19937 rng(20261203);
  const std::vector<std::string> seeds = {
      TxJson("f"),
      R"({"transactions":[)" + TxJson("g") + "," + TxJson("h") + "]}",
      R"({"tx_id":"f","ts":"2026-09-01T10:00:00Z","nested":{"a":[1,2,{"b":null}]},"lat":1.5})",
  };
  const std::string alphabet = "{}[]\",:\\0123456789.eE+-truefalsnul \t\n\xc3\xa9\xff";
  int answered = 0;
  for (int i = 0; i < 600; ++i) {
    std::string body = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      size_t at = rng() % body.size();
      switch (rng() % 5) {
        case 0:
          body[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          body.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          body.erase(at, 1 + rng() % 8);
          break;
        case 3:
          body.insert(at, body.substr(rng() % body.size(), rng() % 40));
          break;
        default:
          body.resize(at);
          break;
      }
    }
    const char* path = rng() % 2 == 0 ? "/v1/transactions" : "/v1/transactions/batch";
    auto res = client_->Post(path, body, "application/json");
    ASSERT_TRUE(res) << "no answer to " << body;
    EXPECT_TRUE(res->status == 200 || res->status == 400 || res->status == 413) << res->status;
    EXPECT_FALSE(json::parse(res->body, nullptr, false).is_discarded()) << res->body;
    ++answered;
  }
  EXPECT_EQ(answered, 600);
  auto [status, health] = Get("/healthz");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(health["status"], "ok");
  // Whatever was accepted is in the log with its decision.
  size_t transactions = 0;
  size_t decisions = 0;
  for (const auto& entry : ReadLog(data_)) {
    (entry.event.kind() == EventKind::kTransaction ? transactions : decisions) += 1;
  }
  EXPECT_EQ(transactions, decisions);
}

}  // namespace
}  // namespace panorama::server::testing
