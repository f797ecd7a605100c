// RejectFile: the quarantine of rejected records, a CSV file with the header
// source_file,line,field,reason,record. Created on the first reject only.
#pragma once

#include <cstdio>
#include <string>

#include "core/status.h"
#include "ingest/record_reader.h"

namespace panorama::cli {

class RejectFile {
 public:
  explicit RejectFile(std::string path) : path_(std::move(path)) {}
  ~RejectFile();
  RejectFile(const RejectFile&) = delete;
  RejectFile& operator=(const RejectFile&) = delete;

  Status Write(const Reject& reject);
  // Flushes and fsyncs; call before reporting the rejects as written.
  Status Close();
  const std::string& path() const { return path_; }
  uint64_t count() const { return count_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t count_ = 0;
  std::string line_;
};

// Appends `value` to `out` as one RFC 4180 field, quoted when it needs to be.
void AppendCsvField(std::string_view value, std::string* out);

}  // namespace panorama::cli
