// The fuzz targets of the ingest parsers, the feature spec language and the rule language. Each
// is built as a libFuzzer binary (PANORAMA_FUZZ with clang) and, always, into fuzz_corpus_test,
// which replays the seed corpus tests/fuzz/corpus/<target>/. A target traps when an invariant of
// the reader (or of the spec parser and feature engine, or of the rule compiler and evaluator)
// breaks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace panorama::fuzz {

// Input: a CSV file, read canonically and through a headerless ';' mapping.
int CsvReaderFuzz(const uint8_t* data, size_t size);
// Input: a JSON Lines file, read canonically and through a mapping with dotted paths.
int JsonLinesReaderFuzz(const uint8_t* data, size_t size);
// Input: a mapping file; when it parses, it is checked against every kind and used once.
int MappingFuzz(const uint8_t* data, size_t size);
// Input: a feature spec; when it parses, an in-memory engine runs synthetic transactions.
int FeatureSpecFuzz(const uint8_t* data, size_t size);
// Input: a rule set; when it parses, its rules run over fixed transactions, and the rules
// that fire must be the enabled ones whose condition is true.
int RulesFuzz(const uint8_t* data, size_t size);

}  // namespace panorama::fuzz
