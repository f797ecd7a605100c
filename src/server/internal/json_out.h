// JSON output of the HTTP API, written by hand into a reused string: decisions and alerts
// are rendered on every request, and nlohmann's DOM would allocate per field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/json_string.h"
#include "server/scoring_service.h"

namespace panorama::server::internal {

// A JSON array of the ';'-separated elements of `list` (trimmed; empty elements dropped).
void AppendJsonList(std::string_view list, std::string* out);
// A double in the shortest form that reads back, or null when NaN or infinite.
void AppendJsonNumber(double value, std::string* out);

// The decision of one submitted transaction:
// {"tx_id","seq","duplicate","decision","score","model_score","rule_points","rules","tags",
//  "reasons","ruleset","model","latency_us"}; a duplicate whose decision the service no
// longer holds has "seq": null and "decision": null.
void AppendOutcome(const TxOutcome& outcome, std::string* out);
// An alert (a stored decision): the decision's fields with ts, decided_at, customer_id,
// amount (decimal text) and currency.
void AppendAlert(const Event& decision, std::string* out);

// {"status":N,"code":"...","field":"..."|null,"reason":"..."[,"offset":N]}
void AppendError(int status, std::string_view code, std::string_view field, std::string_view reason,
                 int64_t offset, std::string* out);
// {"error":{...}}
std::string ErrorBody(int status, std::string_view code, std::string_view field,
                      std::string_view reason, int64_t offset = -1);

}  // namespace panorama::server::internal
