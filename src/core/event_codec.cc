#include "core/event_codec.h"

#include <cstring>

namespace panorama {
namespace {

void PutVarint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view& in, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

}  // namespace

void EncodeEvent(const Event& event, std::string* out) {
  out->push_back(static_cast<char>(event.kind()));
  PutVarint(out, event.present_mask());
  const EventSchema& schema = event.schema();
  for (int i = 0; i < schema.field_count(); ++i) {
    if (!event.has(i)) continue;
    switch (StorageOf(schema.fields[static_cast<size_t>(i)].type)) {
      case StorageClass::kNumber:
        PutVarint(out, ZigZag(event.num(i)));
        break;
      case StorageClass::kReal: {
        auto bits = static_cast<uint64_t>(event.num(i));
        for (int b = 0; b < 8; ++b) out->push_back(static_cast<char>((bits >> (8 * b)) & 0xFF));
        break;
      }
      case StorageClass::kString: {
        std::string_view s = event.str(i);
        PutVarint(out, s.size());
        out->append(s);
        break;
      }
    }
  }
}

Status DecodeEvent(std::string_view bytes, Event* event) {
  if (bytes.empty()) return Status::Corruption("empty event record");
  auto kind_byte = static_cast<uint8_t>(bytes.front());
  if (kind_byte < 1 || kind_byte > static_cast<uint8_t>(EventKind::kDecision)) {
    return Status::Corruption("unknown event kind " + std::to_string(kind_byte));
  }
  bytes.remove_prefix(1);
  auto kind = static_cast<EventKind>(kind_byte);
  event->Reset(kind);
  const EventSchema& schema = SchemaFor(kind);
  uint64_t present = 0;
  if (!GetVarint(bytes, &present)) return Status::Corruption("truncated field mask");
  if (schema.field_count() < 64 && (present >> schema.field_count()) != 0) {
    return Status::Corruption("field mask names fields the schema does not have");
  }
  for (int i = 0; i < schema.field_count(); ++i) {
    if (((present >> i) & 1U) == 0) continue;
    switch (StorageOf(schema.fields[static_cast<size_t>(i)].type)) {
      case StorageClass::kNumber: {
        uint64_t v = 0;
        if (!GetVarint(bytes, &v)) return Status::Corruption("truncated number");
        event->set_num(i, UnZigZag(v));
        break;
      }
      case StorageClass::kReal: {
        if (bytes.size() < 8) return Status::Corruption("truncated real");
        uint64_t bits = 0;
        for (int b = 0; b < 8; ++b) {
          bits |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[static_cast<size_t>(b)]))
                  << (8 * b);
        }
        bytes.remove_prefix(8);
        event->set_num(i, static_cast<int64_t>(bits));
        break;
      }
      case StorageClass::kString: {
        uint64_t length = 0;
        if (!GetVarint(bytes, &length) || length > bytes.size()) {
          return Status::Corruption("truncated string");
        }
        event->set_str(i, bytes.substr(0, length));
        bytes.remove_prefix(length);
        break;
      }
    }
  }
  if (!bytes.empty()) return Status::Corruption("trailing bytes after the event");
  if (!event->has(0) || !event->has(1)) return Status::Corruption("event lacks its id or ts");
  return Status::Ok();
}

}  // namespace panorama
