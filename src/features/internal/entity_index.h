// EntityIndex: entity key -> pool slot, for the feature engine's hot path.
//
// Open addressing with linear probing over 8-byte entries in one cache-line-aligned array,
// kept at most half full: a lookup almost always reads one cache line, the one Prefetch()
// loads ahead of it. (A general-purpose Swiss table keeps control bytes and slots apart, so a
// lookup reads two or three lines, and which slot line cannot be known before the control
// bytes arrive.) Keys are 64-bit hashes of field values, mixed with a per-index random seed
// by an invertible multiplication, so crafted keys cannot crowd one region. An entry holds the
// slot and the top 32 bits of the mixed key (its tag), which also give its home position, so
// growing and deleting never need the key; only a tag match is confirmed against the key the
// slot's record holds (key_of). Deletion shifts entries back, so there are no tombstones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace panorama::features::internal {

class EntityIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  EntityIndex();  // a random seed
  explicit EntityIndex(uint64_t seed);
  ~EntityIndex();
  EntityIndex(const EntityIndex&) = delete;
  EntityIndex& operator=(const EntityIndex&) = delete;

  size_t size() const { return size_; }
  // Bytes of the table.
  size_t memory() const { return (mask_ + 1) * sizeof(Entry); }

  // The slot of `key`, or kNone. key_of(slot) is the key of an indexed slot (the key its
  // entity record holds); it is called only for entries whose tag matches.
  template <typename KeyOf>
  uint32_t Find(uint64_t key, const KeyOf& key_of) const {
    const uint64_t mixed = Mix(key);
    const uint32_t tag = Tag(mixed);
    for (size_t i = Home(mixed);; i = (i + 1) & mask_) {
      const Entry e = entries_[i];
      if (e.slot == kNone) return kNone;
      if (e.tag == tag && key_of(e.slot) == key) return e.slot;
    }
  }
  // Find() without the confirmation, for a caller that confirms later, once the record it
  // prefetches from the answer has arrived: the slot of the first entry whose tag is key's,
  // or kNone. kNone is certain; a slot is key's unless another key of the probe run shares its
  // tag, and the caller then falls back to Find(). The tag's top bits are the home, so in a
  // table of 2^b entries 32 - b bits tell keys of one home apart: at 2^21 entries (a million
  // keys), about one lookup in 4,000 falls back.
  uint32_t FindCandidate(uint64_t key) const {
    const uint64_t mixed = Mix(key);
    const uint32_t tag = Tag(mixed);
    for (size_t i = Home(mixed);; i = (i + 1) & mask_) {
      const Entry e = entries_[i];
      if (e.slot == kNone || e.tag == tag) return e.slot;
    }
  }
  // Adds `key` -> `slot` (slot != kNone); `key` must be absent. At most 2^31 entries.
  void Insert(uint64_t key, uint32_t slot);
  // Removes the entry of `key`, given the slot Find() gives for it (an entry is known by its
  // tag and slot, so a slot of another key with the same tag would remove that one). Nothing
  // when no entry has key's tag and `slot`.
  void Erase(uint64_t key, uint32_t slot);
  // Starts loading the cache line a lookup of `key` reads first.
  void Prefetch(uint64_t key) const { __builtin_prefetch(&entries_[Home(Mix(key))]); }

 private:
  struct Entry {
    uint32_t tag;
    uint32_t slot;  // kNone: free
  };
  uint64_t Mix(uint64_t key) const { return (key ^ seed_) * 0x9E3779B97F4A7C15ULL; }
  static uint32_t Tag(uint64_t mixed) { return static_cast<uint32_t>(mixed >> 32); }
  // Tables have at most 2^32 entries (shift_ >= 32), so the home is the tag's top bits.
  size_t Home(uint64_t mixed) const { return static_cast<size_t>(mixed >> shift_); }
  size_t HomeOfTag(uint32_t tag) const { return static_cast<size_t>(tag >> (shift_ - 32)); }
  void Allocate(int bits);
  void Grow();

  Entry* entries_ = nullptr;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
  uint64_t seed_ = 0;
};

}  // namespace panorama::features::internal
