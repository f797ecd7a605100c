// The compiled form of a FeatureSpec that the engine runs: per keyspace, the row layout of
// its event buffer and the accumulator of each feature.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/status.h"
#include "features/feature_spec.h"
#include "features/internal/expression.h"

namespace panorama::features::internal {

// A row of an entity's buffer: [ts, condition bits, value columns...], all int64.
constexpr int kRowTs = 0;
constexpr int kRowBits = 1;
constexpr int kRowValues = 2;

// One condition of the spec (a filter, a ratio numerator or a count_value test), evaluated
// once per event into a bit.
struct Condition {
  enum class Kind : uint8_t {
    kExpression,  // a filter or ratio numerator
    // The field is present and its categorical hash is among `values` (not among them when
    // `negated`): count_value tests, and filters and numerators that are ValueTests (the
    // common `type == X`, `channel in (A, B)`), which need no expression evaluation.
    kValueIn,
    kPresent,  // the event has the field (for features that read a value column)
  };
  Kind kind = Kind::kExpression;
  std::shared_ptr<const Expression> expression;  // kExpression
  int field = -1;
  std::vector<uint64_t> values;
  bool negated = false;
  std::string key;  // what deduplicates conditions
};

// FeaturePlan::count_word of a feature without a filter (see there).
constexpr int kRowsInWindow = -2;

// One running integer of a window group, over the live rows inside the group's window that
// match `mask`: their count, the count of those that also have a `numerator` bit, or the sum
// or the sum of squares of `column` over them. Features that need the same integer share it.
struct SumSlot {
  enum class Kind : uint8_t { kCount, kNumerator, kSum, kSquares };
  Kind kind = Kind::kCount;
  uint64_t mask = 0;
  uint64_t numerator = 0;
  int column = -1;
  int word = 0;  // offset in the entity's accumulator words (kSquares: two words, an Int128)
};

// The windowed features of one keyspace that share a window duration: one tail (the first
// row inside the window) and the sums of all of them, so expiry walks the rows once.
struct WindowGroup {
  Timestamp window = 0;
  int tail_word = 0;           // [tail position, tail ts] in the accumulator words
  std::vector<SumSlot> slots;  // ordered by kind
  // slots[0, counts) are kCount, up to numerators kNumerator, up to sums kSum, then kSquares.
  int counts = 0;
  int numerators = 0;
  int sums = 0;
  bool plain = false;          // no slots, queues or sets: only the tail moves
  std::vector<int> features;   // its features (indices in KeyspacePlan::features)
  std::vector<int> extremes;   // those with a min/max queue
  std::vector<int> distincts;  // those with a distinct set
};

struct FeaturePlan {
  int feature = 0;  // index in the feature vector
  Aggregation aggregation = Aggregation::kCount;
  Timestamp window = kLifetime;
  bool lifetime = true;
  bool include_current = false;
  int column = -1;          // row column of the value (numeric or hash); -1 when none
  uint64_t mask = 0;        // condition bits a row must have to count
  uint64_t numerator = 0;   // ratio: the numerator's bit
  double scale = 1.0;       // numeric fields: integer -> unit
  int group = -1;           // windowed: index into KeyspacePlan::groups, or
  int lifetime_index = -1;  // into the entity's lifetime accumulators
  int extreme_index = -1;   // sliding min/max: into Entity::extremes
  int distinct_index = -1;  // distinct_count: into Entity::distincts
  // Windowed: the accumulator words of its sums (-1 when the aggregation needs none).
  // count_word is kRowsInWindow when the feature has no filter: its count is then the number
  // of rows from the window's tail to the newest, which no slot needs to keep.
  int count_word = -1;
  int tail_word = -1;  // its group's tail_word
  int numerator_word = -1;
  int sum_word = -1;
  int squares_word = -1;
};

struct KeyspacePlan {
  std::vector<int> fields;   // the entity key's fields
  std::vector<int> columns;  // field of each value column (numeric for numeric fields, else hash)
  std::vector<bool> column_is_hash;
  int stride = kRowValues;
  std::vector<FeaturePlan> features;
  std::vector<WindowGroup> groups;
  std::vector<int> lifetime_features;  // indices in `features`
  int words = 0;                 // accumulator words per entity (tails and sums of the groups)
  int lifetimes = 0;             // lifetime accumulators per entity
  int extremes = 0;              // sliding min/max queues per entity
  int distincts = 0;             // distinct sets per entity
  Timestamp max_window = 0;      // the longest finite window (0 when none)
  bool include_current = false;  // some feature includes the current event
};

struct Plan {
  std::vector<Condition> conditions;  // at most 64
  std::vector<KeyspacePlan> keyspaces;
  // The fields whose CategoricalHash an update needs (entity keys, hash columns, count_value
  // tests, text comparisons of filters and numerators), each hashed once per event;
  // hash_slot[field] is its index here, or -1.
  std::vector<int> hashed_fields;
  std::vector<StorageClass> hashed_storage;  // HashStorageOf each of hashed_fields
  std::vector<int> hash_slot;                // kHourField + 1 entries
  std::vector<int> derived;                  // features computed from others, in spec order
  uint32_t distinct_exact_limit = 1024;
  int hll_precision = 12;
  Timestamp allowed_lateness = 0;
};

Result<Plan> BuildPlan(const FeatureSpec& spec);

}  // namespace panorama::features::internal
