// The scoring service's memory of recent decisions: by tx_id (to answer a duplicate with the
// decision it got) and the newest alerts (REVIEW and DECLINE, for GET /v1/alerts). Both are
// bounded rings of encoded kDecision events; the oldest entry leaves first (FIFO).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "server/scoring_service.h"

namespace panorama::server::internal {

// tx_id -> (the transaction's seq, its decision). One thread at a time (the service's writer,
// or Open() before it starts). Put() allocates only while the ring fills up and when an entry
// needs more bytes than the slot it reuses held.
class RecentDecisions {
 public:
  explicit RecentDecisions(size_t capacity);

  // `encoded` is the EncodeEvent() form of the kDecision event. A tx_id already held is
  // overwritten in place.
  void Put(std::string_view tx_id, uint64_t tx_seq, std::string_view encoded);
  // Decodes the decision of `tx_id` into `decision`; false when it is not held.
  bool Get(std::string_view tx_id, uint64_t* tx_seq, Event* decision) const;

 private:
  struct Slot {
    std::string tx_id;
    std::string encoded;
    uint64_t seq = 0;
    bool used = false;
  };
  std::vector<Slot> slots_;
  size_t next_ = 0;
  // Keys point into slots_[i].tx_id; a slot's key is erased before the slot is reused.
  absl::flat_hash_map<absl::string_view, uint32_t> index_;
};

// The newest alerts, newest first on query. Thread-safe: Put() from the writer, Query() from
// any thread (a mutex; held once per group by the writer).
class AlertRing {
 public:
  explicit AlertRing(size_t capacity);
  void Put(std::string_view encoded);
  std::vector<Event> Query(const AlertQuery& query) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> ring_;  // guarded by mu_
  size_t next_ = 0;                // guarded by mu_
  size_t count_ = 0;               // guarded by mu_
};

// True when `list` (';'-separated) holds `item` as one of its elements.
bool ListHas(std::string_view list, std::string_view item);

}  // namespace panorama::server::internal
