#include "core/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace panorama {

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
  // ISA-L's crc32_iscsi neither pre- nor post-inverts; CRC32C does both.
  uint32_t state = ~crc;
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    int chunk = size > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
    // ISA-L takes a non-const pointer but only reads through it.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast)
    state = crc32_iscsi(const_cast<unsigned char*>(bytes), chunk, state);
    bytes += chunk;
    size -= static_cast<size_t>(chunk);
  }
  return ~state;
}

}  // namespace panorama
