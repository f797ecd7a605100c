#include <string_view>

#include "fuzz_targets.h"
#include "fuzz_util.h"
#include "ingest/mapping.h"
#include "ingest/record_reader.h"

namespace panorama::fuzz {

int MappingFuzz(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto mapping = ParseMapping(input, "fuzz.yaml");
  if (!mapping.ok()) {
    Require(!mapping.status().message().empty());
    return 0;
  }
  static constexpr std::string_view kCsv =
      "a,b,c,d,e,f,g,h\n1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1.5,EUR,x\n"
      "2,1700000000,C2,1,web,100,JPY,\n";
  static constexpr std::string_view kJsonl =
      R"({"a":"1","b":"2024-01-01T00:00:00Z","c":{"d":"C1"},"e":1.5,"f":"EUR"})"
      "\n";
  for (EventKind kind : kAllEventKinds) {
    if (!CheckMappingFor(*mapping, kind).ok()) continue;
    for (FileFormat format : {FileFormat::kCsv, FileFormat::kJsonLines}) {
      ReaderOptions options;
      options.kind = kind;
      options.mapping = &*mapping;
      options.format = format;
      std::string_view input_data = format == FileFormat::kCsv ? kCsv : kJsonl;
      auto reader = RecordReader::FromBuffer("fuzz.data", input_data, options);
      if (reader.ok()) Drain(**reader, input_data);
    }
  }
  return 0;
}

}  // namespace panorama::fuzz

#ifdef PANORAMA_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return panorama::fuzz::MappingFuzz(data, size);
}
#endif
