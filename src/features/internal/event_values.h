// How the feature engine reads a transaction: numeric values, categorical hashes and entity
// keys. Shared by the spec compiler, the expressions and the engine so that a value means
// the same thing everywhere.
#pragma once

#include <xxhash.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/event.h"
#include "core/schema.h"
#include "core/time.h"
#include "features/feature_spec.h"

namespace panorama::features::internal {

// Coordinates are kept as integers of 1e-7 degrees (about 1 cm), so that window sums of
// them are exact like every other sum.
constexpr double kCoordinateScale = 1e7;

// True for the fields a numeric aggregation (sum, mean, min, max, stddev, last) may use.
inline bool IsNumericField(int field) {
  return field == tx::kAmount || field == tx::kMcc || field == tx::kLat || field == tx::kLon ||
         field == kHourField || field == tx::kChannel || field == tx::kType;
}

// The integer a numeric aggregation accumulates for `field`; false when absent.
inline bool NumericValue(const Event& event, int field, int64_t* value) {
  if (field == kHourField) {
    *value = HourOfDay(event.ts());
    return true;
  }
  if (!event.has(field)) return false;
  if (field == tx::kLat || field == tx::kLon) {
    *value = std::llround(event.real(field) * kCoordinateScale);
    return true;
  }
  *value = event.num(field);
  return true;
}

// The factor that turns an accumulated integer of `field` back into its unit.
inline double FieldScale(int field) {
  return field == tx::kLat || field == tx::kLon ? 1.0 / kCoordinateScale : 1.0;
}

inline uint64_t HashBytes(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}
inline uint64_t HashNumber(int64_t number) { return XXH3_64bits(&number, sizeof number); }

// How CategoricalHash reads a transaction field (the hour counts as a number).
inline StorageClass HashStorageOf(int field) {
  return field == kHourField
             ? StorageClass::kNumber
             : StorageOf(
                   SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)].type);
}

// CategoricalHash of a transaction's field whose HashStorageOf() is `storage`.
inline bool CategoricalHash(const Event& event, int field, StorageClass storage, uint64_t* hash) {
  if (field == kHourField) {
    *hash = HashNumber(HourOfDay(event.ts()));
    return true;
  }
  if (!event.has(field)) return false;
  switch (storage) {
    case StorageClass::kString:
      *hash = HashBytes(event.str(field));
      return true;
    case StorageClass::kNumber:
    case StorageClass::kReal:
      *hash = HashNumber(event.num(field));
      return true;
  }
  return false;
}

// The hash of a field's value for distinct_count, count_value and entity keys; false when
// the field is absent. Strings hash their bytes, numbers their int64 (reals their bits).
inline bool CategoricalHash(const Event& event, int field, uint64_t* hash) {
  const StorageClass storage =
      field == kHourField ? StorageClass::kNumber
                          : StorageOf(event.schema().fields[static_cast<size_t>(field)].type);
  return CategoricalHash(event, field, storage, hash);
}

// An entity's key is its fields' CategoricalHashes folded in key order: `key` is the fold of
// the fields before `position`, and the result folds in that field's hash. A one-field key is
// the field's hash itself. A keyed mix of two hashes is far cheaper than hashing the field
// again with a seed, and lets an update hash each field once per event.
inline uint64_t FoldKeyHash(uint64_t key, size_t position, uint64_t field_hash) {
  if (position == 0) return field_hash;
  uint64_t x = std::rotl(key, 23) * 0x9E3779B97F4A7C15ULL ^ field_hash;
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ULL;
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ULL;
  x ^= x >> 32;
  return x;
}

}  // namespace panorama::features::internal

namespace panorama::features::internal {

// The CategoricalHash a field would have for `text` as written in a spec or on the command
// line ("ONLINE" for channel, "5411" for mcc, "CNY" for currency, an id as is).
Result<uint64_t> HashOfText(int field, std::string_view text);

// The transaction field named `name` ("hour" is kHourField), or -1.
int TransactionField(std::string_view name);

}  // namespace panorama::features::internal
