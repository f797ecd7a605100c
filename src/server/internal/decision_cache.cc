#include "server/internal/decision_cache.h"

#include <algorithm>

#include "core/event_codec.h"
#include "core/schema.h"
#include "decide/decider.h"

namespace panorama::server::internal {
namespace {

absl::string_view Key(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

RecentDecisions::RecentDecisions(size_t capacity) : slots_(std::max<size_t>(capacity, 1)) {
  index_.reserve(slots_.size());
}

void RecentDecisions::Put(std::string_view tx_id, uint64_t tx_seq, std::string_view encoded) {
  auto found = index_.find(Key(tx_id));
  if (found != index_.end()) {
    Slot& slot = slots_[found->second];
    slot.encoded.assign(encoded);
    slot.seq = tx_seq;
    return;
  }
  Slot& slot = slots_[next_];
  if (slot.used) index_.erase(Key(slot.tx_id));
  slot.tx_id.assign(tx_id);
  slot.encoded.assign(encoded);
  slot.seq = tx_seq;
  slot.used = true;
  index_.emplace(Key(slot.tx_id), static_cast<uint32_t>(next_));
  next_ = next_ + 1 == slots_.size() ? 0 : next_ + 1;
}

bool RecentDecisions::Get(std::string_view tx_id, uint64_t* tx_seq, Event* decision) const {
  auto found = index_.find(Key(tx_id));
  if (found == index_.end()) return false;
  const Slot& slot = slots_[found->second];
  if (!DecodeEvent(slot.encoded, decision).ok()) return false;
  *tx_seq = slot.seq;
  return true;
}

AlertRing::AlertRing(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void AlertRing::Put(std::string_view encoded) {
  std::lock_guard lock(mu_);
  ring_[next_].assign(encoded);
  next_ = next_ + 1 == ring_.size() ? 0 : next_ + 1;
  count_ = std::min(count_ + 1, ring_.size());
}

bool ListHas(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    size_t end = list.find(';');
    std::string_view head = list.substr(0, end);
    while (!head.empty() && head.front() == ' ') head.remove_prefix(1);
    while (!head.empty() && head.back() == ' ') head.remove_suffix(1);
    if (head == item) return true;
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return false;
}

std::vector<Event> AlertRing::Query(const AlertQuery& query) const {
  std::vector<Event> out;
  if (query.limit == 0) return out;
  Event event(EventKind::kDecision);
  std::lock_guard lock(mu_);
  for (size_t k = 0; k < count_ && out.size() < query.limit; ++k) {
    size_t i = (next_ + ring_.size() - 1 - k) % ring_.size();
    if (!DecodeEvent(ring_[i], &event).ok()) continue;
    if (AlertMatches(query, event)) out.push_back(event);
  }
  return out;
}

}  // namespace panorama::server::internal

namespace panorama::server {

bool AlertMatches(const AlertQuery& query, const Event& d) {
  const int64_t verdict = d.num(decision::kDecision);
  if (!d.has(decision::kDecision) || verdict == decision_value::kApprove) return false;
  const Timestamp ts = d.ts();
  if (ts < query.from || ts >= query.to) return false;
  if (d.num(decision::kScore) < query.min_score) return false;
  if (!query.decision.empty() &&
      decide::VerdictName(static_cast<decide::Verdict>(verdict)) != query.decision) {
    return false;
  }
  if (!query.customer_id.empty() &&
      (!d.has(decision::kCustomerId) || d.str(decision::kCustomerId) != query.customer_id)) {
    return false;
  }
  return query.rule.empty() ||
         (d.has(decision::kRules) && internal::ListHas(d.str(decision::kRules), query.rule));
}

}  // namespace panorama::server
