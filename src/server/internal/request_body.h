// Request bodies of the HTTP API: JSON checked before anything reads it, batches split into
// their items, and transactions validated by the ingest reader itself (so an API client
// and a file get exactly the same checks and messages).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "ingest/pii.h"

namespace panorama::server::internal {

constexpr int kMaxJsonDepth = 64;

struct JsonProblem {
  bool ok = true;
  std::string reason;
  int64_t offset = -1;  // byte offset of the error, -1 when not known
};

// Checks that `body` is one well-formed JSON value (RFC 8259, valid UTF-8) nested at most
// kMaxJsonDepth deep. Never throws.
JsonProblem CheckJson(std::string_view body);

// The first non-whitespace byte of `body`, or 0.
char FirstByte(std::string_view body);

// The raw text of each element of the array under key `key` of the object `body` (which
// CheckJson accepted). InvalidArgument when the body is not an object, the key is missing
// or not an array, or it has more than `max_items` elements.
Result<std::vector<std::string_view>> SplitArray(std::string_view body, std::string_view key,
                                                 size_t max_items);

struct ItemError {
  std::string field;  // canonical field name, empty for the record as a whole
  std::string reason;
};

// Converts JSON objects into validated kTransaction events with the ingest reader (JSON
// Lines in the canonical layout, personal data tokenized). Thread-safe (const).
class TransactionDecoder {
 public:
  explicit TransactionDecoder(PiiTokenizer tokenizer) : tokenizer_(tokenizer) {}

  // For each item: ok[i] = 1 and events[i] set, or ok[i] = 0 and errors[i] set.
  void Decode(const std::vector<std::string_view>& items, std::vector<Event>* events,
              std::vector<uint8_t>* ok, std::vector<ItemError>* errors) const;

 private:
  PiiTokenizer tokenizer_;
};

}  // namespace panorama::server::internal
