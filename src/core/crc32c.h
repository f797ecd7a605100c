// CRC32C (Castagnoli), as used by log records. Hardware-accelerated through ISA-L.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace panorama {

// The CRC32C of `data`, continuing from `crc` (the result of an earlier call; 0 to start).
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);
inline uint32_t Crc32c(std::string_view data, uint32_t crc = 0) {
  return Crc32c(data.data(), data.size(), crc);
}

}  // namespace panorama
