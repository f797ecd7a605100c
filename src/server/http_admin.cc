// HttpServer: the list, rule and model endpoints (low volume: nlohmann-json DOMs are fine).
#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "core/time.h"
#include "decide/lists.h"
#include "decide/rules.h"
#include "server/internal/http_impl.h"

namespace panorama::server {
namespace {

using nlohmann::json;

// Parses a body CheckJson accepted; a DOM of at most kMaxJsonDepth levels.
json ParseChecked(const std::string& body) { return json::parse(body, nullptr, false); }

std::string_view ForceName(decide::Force force) {
  switch (force) {
    case decide::Force::kReview:
      return "REVIEW";
    case decide::Force::kDecline:
      return "DECLINE";
    case decide::Force::kNone:
      break;
  }
  return "";
}

json ListJson(const decide::ListInfo& info) {
  return {{"name", info.name},
          {"kind", decide::ListKindName(info.kind)},
          {"type", decide::ListTypeName(info.type)},
          {"description", info.description},
          {"size", info.size},
          {"updated_at", info.updated_at > 0 ? json(FormatIso8601(info.updated_at)) : json()}};
}

void SendDom(httplib::Response& res, int status, const json& body) {
  SendJson(res, status, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

// A JSON object body, or an error sent. An empty body is an empty object when `optional`.
bool ReadObject(const httplib::Request& req, httplib::Response& res, size_t max_bytes,
                bool optional, json* out) {
  if (!AcceptBody(req, res, max_bytes)) return false;
  if (optional && internal::FirstByte(req.body) == '\0') {
    *out = json::object();
    return true;
  }
  if (!AcceptJson(req, res)) return false;
  *out = ParseChecked(req.body);
  if (!out->is_object()) {
    SendError(res, 400, "invalid_argument", "", "the body must be a JSON object");
    return false;
  }
  return true;
}

// The string array under `key` (absent: empty), or an error sent.
bool ReadStrings(const json& body, const char* key, httplib::Response& res,
                 std::vector<std::string>* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_array()) {
    SendError(res, 400, "invalid_argument", key, "must be an array of strings");
    return false;
  }
  for (const json& v : *it) {
    if (!v.is_string()) {
      SendError(res, 400, "invalid_argument", key, "must be an array of strings");
      return false;
    }
    out->push_back(v.get<std::string>());
  }
  return true;
}

bool ReadOptionalString(const json& body, const char* key, httplib::Response& res,
                        std::string* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_string()) {
    SendError(res, 400, "invalid_argument", key, "must be a string");
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

}  // namespace

void HttpServer::Impl::SetupAdmin() {
  http.Get("/v1/lists", Observed([this](const httplib::Request& /*req*/, httplib::Response& res) {
             auto lists = service->lists().Lists();
             if (!lists.ok()) return SendStatus(res, lists.status());
             json out = {{"lists", json::array()}};
             for (const auto& info : *lists) out["lists"].push_back(ListJson(info));
             SendDom(res, 200, out);
           }));

  http.Put(R"(/v1/lists/([^/]+))",
           Observed([this](const httplib::Request& req, httplib::Response& res) {
             json body;
             if (!ReadObject(req, res, options.max_body_bytes, false, &body)) return;
             decide::ListInfo info;
             info.name = req.matches[1];
             std::string kind;
             std::string type;
             if (!ReadOptionalString(body, "kind", res, &kind) ||
                 !ReadOptionalString(body, "type", res, &type) ||
                 !ReadOptionalString(body, "description", res, &info.description)) {
               return;
             }
             if (!decide::ParseListKind(kind, &info.kind)) {
               return SendError(res, 400, "invalid_argument", "kind", "must be allow or deny");
             }
             if (!decide::ParseListType(type, &info.type)) {
               return SendError(res, 400, "invalid_argument", "type",
                                "must be customer, account, card, merchant, device, ip or country");
             }
             Status created = service->lists().Create(info);
             if (!created.ok()) return SendStatus(res, created);
             auto lists = service->lists().Lists();
             if (lists.ok()) {
               for (const auto& l : *lists) {
                 if (l.name == info.name) return SendDom(res, 200, ListJson(l));
               }
             }
             SendDom(res, 200, {{"name", info.name}});
           }));

  http.Get(
      R"(/v1/lists/([^/]+))", Observed([this](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1];
        std::string after;
        size_t limit = 1000;
        for (const auto& [key, value] : req.params) {
          if (key == "after") {
            after = value;
          } else if (key == "limit") {
            size_t parsed = 0;
            auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
            if (error != std::errc() || end != value.data() + value.size() || parsed == 0 ||
                parsed > 100'000) {
              return SendError(res, 400, "invalid_argument", "limit",
                               "must be an integer from 1 to 100000");
            }
            limit = parsed;
          } else {
            return SendError(res, 400, "invalid_argument", key, "unknown parameter (after, limit)");
          }
        }
        auto values = service->lists().Values(name, after, limit);
        if (!values.ok()) return SendStatus(res, values.status());
        json out = {{"name", name}, {"values", *values}};
        out["next_after"] = values->size() == limit ? json(values->back()) : json();
        SendDom(res, 200, out);
      }));

  http.Post(
      R"(/v1/lists/([^/]+)/values)",
      Observed([this](const httplib::Request& req, httplib::Response& res) {
        json body;
        if (!ReadObject(req, res, options.max_batch_body_bytes, false, &body)) return;
        std::vector<std::string> add;
        std::vector<std::string> remove;
        if (!ReadStrings(body, "add", res, &add) || !ReadStrings(body, "remove", res, &remove)) {
          return;
        }
        const std::string name = req.matches[1];
        uint64_t added = 0;
        uint64_t removed = 0;
        Status status = service->lists().Change(name, add, remove, &added, &removed);
        if (!status.ok()) return SendStatus(res, status);
        Status rebuilt = service->ListsChanged();
        if (!rebuilt.ok()) return SendStatus(res, rebuilt);
        SendDom(res, 200, {{"name", name}, {"added", added}, {"removed", removed}});
      }));

  http.Delete(R"(/v1/lists/([^/]+))",
              Observed([this](const httplib::Request& req, httplib::Response& res) {
                const std::string name = req.matches[1];
                if (service->decider()->rules().ListIndex(name) >= 0) {
                  return SendError(res, 409, "conflict", "",
                                   "list '" + name + "' is declared by the serving rule set");
                }
                Status dropped = service->lists().Drop(name);
                if (!dropped.ok()) return SendStatus(res, dropped);
                SendDom(res, 200, {{"dropped", name}});
              }));

  http.Get("/v1/rules", Observed([this](const httplib::Request& /*req*/, httplib::Response& res) {
             auto decider = service->decider();
             const decide::RuleSet& rules = decider->rules();
             json out = {{"ruleset", decider->ruleset_label()}, {"name", rules.name()},
                         {"version", rules.version()},          {"file", rules.file()},
                         {"review_at", rules.review_at()},      {"decline_at", rules.decline_at()}};
             std::string model = decider->model_label();
             out["model"] = model.empty() ? json() : json(model);
             json lists = json::array();
             for (const auto& decl : rules.lists()) {
               lists.push_back({{"name", decl.name},
                                {"kind", decide::ListKindName(decl.kind)},
                                {"type", decide::ListTypeName(decl.type)}});
             }
             out["lists"] = std::move(lists);
             json items = json::array();
             for (const auto& rule : rules.rules()) {
               std::string_view force = ForceName(rule.force);
               items.push_back({{"id", rule.id},
                                {"description", rule.description},
                                {"condition", rule.condition},
                                {"enabled", rule.enabled},
                                {"points", rule.points},
                                {"tag", rule.tag.empty() ? json() : json(rule.tag)},
                                {"force", force.empty() ? json() : json(force)}});
             }
             out["rules"] = std::move(items);
             SendDom(res, 200, out);
           }));

  auto reload = [this](const httplib::Request& req, httplib::Response& res, bool model) {
    json body;
    if (!ReadObject(req, res, options.max_body_bytes, true, &body)) return;
    std::string path;
    if (!ReadOptionalString(body, "path", res, &path)) return;
    Status status = model ? service->ReloadModel(path) : service->ReloadRules(path);
    if (!status.ok()) {
      return SendError(res, 422, model ? "invalid_model" : "invalid_rules", "path",
                       status.message());
    }
    auto decider = service->decider();
    std::string label = decider->model_label();
    SendDom(
        res, 200,
        {{"ruleset", decider->ruleset_label()}, {"model", label.empty() ? json() : json(label)}});
  };
  http.Post("/v1/rules/reload",
            Observed([reload](const httplib::Request& req, httplib::Response& res) {
              reload(req, res, false);
            }));
  http.Post("/v1/model/reload",
            Observed([reload](const httplib::Request& req, httplib::Response& res) {
              reload(req, res, true);
            }));
}

}  // namespace panorama::server
