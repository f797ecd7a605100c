#include <string_view>

#include "fuzz_targets.h"
#include "fuzz_util.h"
#include "ingest/mapping.h"
#include "ingest/record_reader.h"

namespace panorama::fuzz {

int CsvReaderFuzz(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const Mapping* const kMapping = [] {
    auto mapping = ParseMapping(
        "kind: transactions\nformat: csv\ndelimiter: \";\"\nheader: false\n"
        "utc_offset: \"+08:00\"\nfields:\n"
        "  tx_id: 1\n  ts: { column: 2, format: epoch_ms }\n  customer_id: 3\n"
        "  channel: { column: 4, map: { \"1\": POS, \"2\": ATM } }\n"
        "  type: { column: 5, default: PURCHASE }\n  amount: { column: 6, scale: -2 }\n"
        "  currency: { value: EUR }\n  city: 7\n",
        "fuzz.yaml");
    Require(mapping.ok());
    return new Mapping(std::move(mapping).value());
  }();
  struct Pass {
    EventKind kind;
    const Mapping* mapping;
    size_t max_record_bytes;
  };
  for (const Pass& pass :
       {Pass{EventKind::kTransaction, nullptr, size_t{1} << 20},
        Pass{EventKind::kLabel, nullptr, 128}, Pass{EventKind::kTransaction, kMapping, 256}}) {
    ReaderOptions options;
    options.kind = pass.kind;
    options.mapping = pass.mapping;
    options.format = FileFormat::kCsv;
    options.max_record_bytes = pass.max_record_bytes;
    auto reader = RecordReader::FromBuffer("fuzz.csv", input, options);
    if (reader.ok()) Drain(**reader, input);
  }
  return 0;
}

}  // namespace panorama::fuzz

#ifdef PANORAMA_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return panorama::fuzz::CsvReaderFuzz(data, size);
}
#endif
