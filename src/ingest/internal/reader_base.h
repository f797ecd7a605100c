// ReaderBase: what the CSV and JSON Lines readers share: the input window, line counting,
// warnings, the converter into events, and the filling of rejects.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/internal/field_converter.h"
#include "ingest/internal/input_source.h"
#include "ingest/record_reader.h"

namespace panorama::ingest_internal {

class ReaderBase : public RecordReader {
 public:
  ReaderBase(std::string name, std::unique_ptr<InputSource> source, const ReaderOptions& options);

  const std::vector<std::string>& warnings() const override { return warnings_; }
  uint64_t line() const override { return line_; }

 protected:
  // Fills `reject` for the record starting at line_.
  void FillReject(Reject* reject, std::string_view field, std::string_view reason,
                  std::string_view record) const;
  // Fills `reject` with the field and reason the converter left in it.
  void FinishReject(Reject* reject, std::string_view record) const;
  // The bytes of the first physical line at the front of the window (without its line
  // break), at most kRejectRecordBytes long.
  std::string_view FirstLine() const;
  // Consumes the first physical line of the window, filling as needed, and sets the next
  // record's line to the one after line_.
  void SkipFirstLine();
  // Consumes empty lines at the front of the window; false at the end of the input.
  bool SkipBlankLines();
  // Skips a UTF-8 byte order mark at the start of the input.
  void SkipByteOrderMark();
  // Fills the window; an I/O error is kept and reported by TakeIoError().
  void Fill();
  // Reports a pending I/O error as a reject, once.
  bool TakeIoError(Reject* reject);

  std::string name_;
  std::unique_ptr<InputSource> source_;
  ReaderOptions options_;
  std::vector<std::string> warnings_;
  RecordConverter converter_;
  uint64_t line_ = 0;       // the line of the record last returned
  uint64_t next_line_ = 1;  // the line at the front of the window
  bool ended_ = false;
  std::optional<Status> io_error_;
};

// Rounds the window of a file reader: room for one record of the largest size and a
// large read after it.
size_t WindowCapacity(size_t max_record_bytes);

Result<std::unique_ptr<RecordReader>> MakeCsvReader(std::string name,
                                                    std::unique_ptr<InputSource> source,
                                                    const ReaderOptions& options);
Result<std::unique_ptr<RecordReader>> MakeJsonLinesReader(std::string name,
                                                          std::unique_ptr<InputSource> source,
                                                          const ReaderOptions& options);

}  // namespace panorama::ingest_internal
