// ListSnapshot: an immutable copy of named allow/deny lists, as the rules of one rule set see
// them. Rules address a list by its position in the rule set's `lists:` declarations.
// Lookups are exact (the values themselves are kept, not hashes), const, thread-safe and
// allocation-free.
#pragma once

#include <absl/container/flat_hash_set.h>
#include <absl/strings/string_view.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace panorama::decide {

class ListSnapshot {
 public:
  ListSnapshot() = default;
  explicit ListSnapshot(size_t lists) : sets_(lists) {}

  size_t size() const { return sets_.size(); }
  // True when list `list` (0 <= list < size()) holds `value`.
  bool Contains(size_t list, std::string_view value) const {
    // Debian's abseil has its own string_view type, which its heterogeneous lookup takes.
    return sets_[list].contains(absl::string_view(value.data(), value.size()));
  }
  void Add(size_t list, std::string_view value) { sets_[list].emplace(value); }
  size_t count(size_t list) const { return sets_[list].size(); }

 private:
  std::vector<absl::flat_hash_set<std::string>> sets_;
};

}  // namespace panorama::decide
