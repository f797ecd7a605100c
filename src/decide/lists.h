// ListStore: the durable named allow/deny lists of a data directory (DIR/meta/lists.db,
// SQLite). Every change is one committed transaction; readers build ListSnapshots.
//
// Values are checked as the transaction field their type is compared with (customer_id,
// account_id, card_id, merchant_id, device_id, ip, country), by ingest's own rules, so a list
// never holds a value no stored transaction could have; a bad value is InvalidArgument naming
// it and nothing of the call is applied. Thread-safe: calls are serialized internally.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "decide/list_snapshot.h"
#include "decide/rules.h"

namespace panorama::decide {

struct ListInfo {
  std::string name;
  ListKind kind = ListKind::kDeny;
  ListType type = ListType::kCustomer;
  std::string description;
  uint64_t size = 0;
  Timestamp updated_at = 0;
};

class ListStore {
 public:
  // Opens (creating when absent) the store at `path`.
  static Result<std::unique_ptr<ListStore>> Open(const std::string& path);
  ~ListStore();
  ListStore(const ListStore&) = delete;
  ListStore& operator=(const ListStore&) = delete;

  // Creates a list; an existing list of the same kind and type is OK (unchanged), of another
  // kind or type FailedPrecondition.
  Status Create(const ListInfo& info);
  // Adds / removes values (idempotent). NotFound when the list does not exist.
  Status Add(std::string_view list, std::span<const std::string> values,
             uint64_t* changed = nullptr);
  Status Remove(std::string_view list, std::span<const std::string> values,
                uint64_t* changed = nullptr);
  // Adds `add`, then removes `remove`, in one transaction: all of it or, on any error (a bad
  // value among either), nothing.
  Status Change(std::string_view list, std::span<const std::string> add,
                std::span<const std::string> remove, uint64_t* added = nullptr,
                uint64_t* removed = nullptr);
  Status Drop(std::string_view list);

  Result<std::vector<ListInfo>> Lists();
  // The values of one list, sorted, from `after` (exclusive) on, at most `limit`.
  Result<std::vector<std::string>> Values(std::string_view list, std::string_view after = {},
                                          size_t limit = SIZE_MAX);
  // A number that changes whenever a list changes, through this store or another process's
  // (SQLite's data_version), so that a server can tell when its snapshot is stale.
  Result<uint64_t> Generation();

  // The lists `rules` declares, creating those that are missing (an existing list whose kind
  // or type differs from the declaration is FailedPrecondition).
  Status EnsureDeclared(const RuleSet& rules);
  // A snapshot of the lists `rules` declares, in declaration order.
  Result<std::shared_ptr<const ListSnapshot>> Snapshot(const RuleSet& rules);

 private:
  struct Impl;
  explicit ListStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Path of the list store inside a data directory.
std::string ListStorePath(const std::string& data_dir);

// Checks one value against a list type (see above); InvalidArgument with the reason.
Status ValidateListValue(ListType type, std::string_view value);

}  // namespace panorama::decide
