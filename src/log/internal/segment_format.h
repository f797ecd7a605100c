// Byte layout of log segments, records and .idx sidecars (docs/log_format.md), and the
// helpers that encode and decode them. Everything is little-endian.
//
//   segment  := header record*
//   header   := magic "PANOLOG1" | u32 version | u64 first_seq | u32 crc32c(previous 20 bytes)
//   record   := u32 masked_crc | u32 length | u64 seq | i64 ts | u8 kind | payload[length]
//               masked_crc covers length .. end of payload.
//   .idx     := magic "PANOIDX1" | u64 first_seq | u64 last_seq | u64 records | i64 min_ts |
//               i64 max_ts | u64 segment_bytes | u32 crc32c(previous 56 bytes)
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/crc32c.h"
#include "core/time.h"

namespace panorama::log_internal {

constexpr char kSegmentMagic[8] = {'P', 'A', 'N', 'O', 'L', 'O', 'G', '1'};
constexpr char kIndexMagic[8] = {'P', 'A', 'N', 'O', 'I', 'D', 'X', '1'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kSegmentHeaderSize = 24;
constexpr size_t kRecordHeaderSize = 25;  // crc 4, length 4, seq 8, ts 8, kind 1
constexpr size_t kRecordCrcSize = 4;
constexpr size_t kIndexSize = 60;
constexpr uint32_t kMaxPayload = 16u << 20;
constexpr int kSeqDigits = 20;

// Offsets of the fields inside a record.
constexpr size_t kLengthOffset = 4;
constexpr size_t kSeqOffset = 8;
constexpr size_t kTsOffset = 16;
constexpr size_t kKindOffset = 24;

inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}
inline uint64_t DecodeFixed64(const char* p) {
  return static_cast<uint64_t>(DecodeFixed32(p)) |
         (static_cast<uint64_t>(DecodeFixed32(p + 4)) << 32);
}

// LevelDB's masking: the CRC of a string that itself contains CRCs is a poor checksum, so
// the stored value is rotated and offset.
constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The masked CRC of the record starting at `record` with `payload_length` payload bytes.
inline uint32_t RecordCrc(const char* record, uint32_t payload_length) {
  return MaskCrc(
      Crc32c(record + kRecordCrcSize, kRecordHeaderSize - kRecordCrcSize + size_t{payload_length}));
}

struct RecordHeader {
  uint32_t masked_crc;
  uint32_t length;
  uint64_t seq;
  Timestamp ts;
  uint8_t kind;
};

inline RecordHeader DecodeRecordHeader(const char* p) {
  return {DecodeFixed32(p), DecodeFixed32(p + kLengthOffset), DecodeFixed64(p + kSeqOffset),
          static_cast<Timestamp>(DecodeFixed64(p + kTsOffset)),
          static_cast<uint8_t>(p[kKindOffset])};
}

inline void EncodeSegmentHeader(char* dst, uint64_t first_seq) {
  std::memcpy(dst, kSegmentMagic, sizeof(kSegmentMagic));
  EncodeFixed32(dst + 8, kFormatVersion);
  EncodeFixed64(dst + 12, first_seq);
  EncodeFixed32(dst + 20, Crc32c(dst, 20));
}

// Validates a segment header; returns the reason it is invalid, or nullopt when sound.
std::optional<std::string> CheckSegmentHeader(const char* p, uint64_t expected_first_seq);

// Summary of a sealed segment, stored in its .idx sidecar.
struct SegmentIndex {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;  // first_seq - 1 when the segment holds no record
  uint64_t records = 0;
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  uint64_t segment_bytes = 0;  // size of the segment file it describes

  bool operator==(const SegmentIndex&) const = default;

  // Accounts for the next record of the segment (`seq` follows last_seq).
  void Add(uint64_t seq, Timestamp ts) {
    if (records == 0) {
      min_ts = max_ts = ts;
    } else {
      min_ts = std::min(min_ts, ts);
      max_ts = std::max(max_ts, ts);
    }
    ++records;
    last_seq = seq;
  }
};

std::string EncodeSegmentIndex(const SegmentIndex& index);
// Decodes and checks magic and CRC; nullopt when the bytes are not a sound index.
std::optional<SegmentIndex> DecodeSegmentIndex(std::string_view bytes);

// "00000000000000000042.seg" and "00000000000000000042.idx".
std::string SegmentFileName(uint64_t first_seq);
std::string IndexFileName(uint64_t first_seq);
// Parses a segment file name; nullopt for any other name.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

}  // namespace panorama::log_internal
