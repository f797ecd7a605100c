#include "log/internal/segment_format.h"

#include <charconv>

namespace panorama::log_internal {

std::optional<std::string> CheckSegmentHeader(const char* p, uint64_t expected_first_seq) {
  if (std::memcmp(p, kSegmentMagic, sizeof(kSegmentMagic)) != 0) return "bad segment magic";
  if (DecodeFixed32(p + 20) != Crc32c(p, 20)) return "segment header checksum mismatch";
  uint32_t version = DecodeFixed32(p + 8);
  if (version != kFormatVersion) {
    return "unsupported segment format version " + std::to_string(version);
  }
  uint64_t first_seq = DecodeFixed64(p + 12);
  if (first_seq != expected_first_seq) {
    return "segment header names first seq " + std::to_string(first_seq) + ", file name " +
           std::to_string(expected_first_seq);
  }
  return std::nullopt;
}

std::string EncodeSegmentIndex(const SegmentIndex& index) {
  std::string out(kIndexSize, '\0');
  char* p = out.data();
  std::memcpy(p, kIndexMagic, sizeof(kIndexMagic));
  EncodeFixed64(p + 8, index.first_seq);
  EncodeFixed64(p + 16, index.last_seq);
  EncodeFixed64(p + 24, index.records);
  EncodeFixed64(p + 32, static_cast<uint64_t>(index.min_ts));
  EncodeFixed64(p + 40, static_cast<uint64_t>(index.max_ts));
  EncodeFixed64(p + 48, index.segment_bytes);
  EncodeFixed32(p + 56, Crc32c(p, 56));
  return out;
}

std::optional<SegmentIndex> DecodeSegmentIndex(std::string_view bytes) {
  if (bytes.size() != kIndexSize) return std::nullopt;
  const char* p = bytes.data();
  if (std::memcmp(p, kIndexMagic, sizeof(kIndexMagic)) != 0) return std::nullopt;
  if (DecodeFixed32(p + 56) != Crc32c(p, 56)) return std::nullopt;
  SegmentIndex index;
  index.first_seq = DecodeFixed64(p + 8);
  index.last_seq = DecodeFixed64(p + 16);
  index.records = DecodeFixed64(p + 24);
  index.min_ts = static_cast<Timestamp>(DecodeFixed64(p + 32));
  index.max_ts = static_cast<Timestamp>(DecodeFixed64(p + 40));
  index.segment_bytes = DecodeFixed64(p + 48);
  if (index.first_seq == 0 || index.last_seq + 1 != index.first_seq + index.records) {
    return std::nullopt;
  }
  return index;
}

namespace {

std::string PaddedSeq(uint64_t seq) {
  std::string digits = std::to_string(seq);
  return std::string(kSeqDigits - digits.size(), '0') + digits;
}

}  // namespace

std::string SegmentFileName(uint64_t first_seq) { return PaddedSeq(first_seq) + ".seg"; }
std::string IndexFileName(uint64_t first_seq) { return PaddedSeq(first_seq) + ".idx"; }

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".seg";
  if (name.size() != kSeqDigits + kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  uint64_t seq = 0;
  const char* begin = name.data();
  const char* end = begin + kSeqDigits;
  for (const char* c = begin; c != end; ++c) {
    if (*c < '0' || *c > '9') return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(begin, end, seq);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return seq;
}

}  // namespace panorama::log_internal
