// The binary encoding of an Event, as stored in log records. docs/log_format.md describes it.
//
//   kind      u8
//   present   varint32: bit i set when field i is present
//   values    for each present field in ascending order:
//               number  zigzag varint64
//               real    8 bytes, little-endian IEEE 754
//               string  varint32 length, then the bytes
#pragma once

#include <string>
#include <string_view>

#include "core/event.h"
#include "core/status.h"

namespace panorama {

// Appends the encoding of `event` to `out`.
void EncodeEvent(const Event& event, std::string* out);

// Decodes `bytes` into `event` (reusing its buffers). Returns Corruption when the bytes are
// truncated, name an unknown kind or field, or have trailing garbage.
Status DecodeEvent(std::string_view bytes, Event* event);

}  // namespace panorama
