#include <array>
#include <string_view>

#include "fuzz_targets.h"
#include "fuzz_util.h"
#include "ingest/mapping.h"
#include "ingest/pii.h"
#include "ingest/record_reader.h"

namespace panorama::fuzz {

int JsonLinesReaderFuzz(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const Mapping* const kMapping = [] {
    auto mapping = ParseMapping(
        "kind: transactions\nformat: jsonl\nfields:\n"
        "  tx_id: id\n  ts: { column: meta.time, format: epoch_s }\n"
        "  customer_id: payer.id\n  account_id: payer.account.iban\n"
        "  channel: { column: chan, map: { web: ONLINE } }\n  type: { value: TRANSFER }\n"
        "  amount: money.value\n  currency: { column: money.ccy, default: EUR }\n",
        "fuzz.yaml");
    Require(mapping.ok());
    return new Mapping(std::move(mapping).value());
  }();
  static const PiiTokenizer kTokenizer = [] {
    std::array<unsigned char, PiiTokenizer::kKeyBytes> key{};
    return PiiTokenizer::FromKey(key);
  }();
  struct Pass {
    EventKind kind;
    const Mapping* mapping;
    size_t max_record_bytes;
  };
  for (const Pass& pass :
       {Pass{EventKind::kTransaction, nullptr, size_t{1} << 20},
        Pass{EventKind::kCustomer, nullptr, 200}, Pass{EventKind::kTransaction, kMapping, 1024}}) {
    ReaderOptions options;
    options.kind = pass.kind;
    options.mapping = pass.mapping;
    options.tokenizer = &kTokenizer;
    options.format = FileFormat::kJsonLines;
    options.max_record_bytes = pass.max_record_bytes;
    auto reader = RecordReader::FromBuffer("fuzz.jsonl", input, options);
    if (reader.ok()) Drain(**reader, input);
  }
  return 0;
}

}  // namespace panorama::fuzz

#ifdef PANORAMA_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return panorama::fuzz::JsonLinesReaderFuzz(data, size);
}
#endif
