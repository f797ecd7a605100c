#include "ingest/internal/reader_base.h"

#include <algorithm>
#include <cstring>

namespace panorama::ingest_internal {

namespace {
constexpr size_t kReadChunk = 4 << 20;
}  // namespace

size_t WindowCapacity(size_t max_record_bytes) { return max_record_bytes + 2 + kReadChunk; }

ReaderBase::ReaderBase(std::string name, std::unique_ptr<InputSource> source,
                       const ReaderOptions& options)
    : name_(std::move(name)),
      source_(std::move(source)),
      options_(options),
      converter_(options.kind, options.mapping, options.tokenizer) {}

void ReaderBase::FillReject(Reject* reject, std::string_view field, std::string_view reason,
                            std::string_view record) const {
  reject->file = name_;
  reject->line = line_;
  reject->field.assign(field);
  reject->reason.assign(reason);
  AssignCut(record, kRejectRecordBytes, &reject->record);
}

void ReaderBase::FinishReject(Reject* reject, std::string_view record) const {
  reject->file = name_;
  reject->line = line_;
  AssignCut(record, kRejectRecordBytes, &reject->record);
}

std::string_view ReaderBase::FirstLine() const {
  std::string_view window(source_->data(), std::min(source_->size(), kRejectRecordBytes + 1));
  size_t newline = window.find('\n');
  std::string_view line = window.substr(0, std::min(newline, kRejectRecordBytes));
  if (newline != std::string_view::npos && !line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

void ReaderBase::SkipFirstLine() {
  next_line_ = line_ + 1;
  while (true) {
    const void* newline = std::memchr(source_->data(), '\n', source_->size());
    if (newline != nullptr) {
      source_->Consume(static_cast<size_t>(static_cast<const char*>(newline) - source_->data()) +
                       1);
      return;
    }
    source_->Consume(source_->size());
    if (source_->eof()) return;
    Fill();
  }
}

bool ReaderBase::SkipBlankLines() {
  while (true) {
    if (source_->size() < 2 && !source_->eof()) {
      Fill();
      continue;
    }
    if (source_->size() == 0) return false;
    const char* data = source_->data();
    // LF, or CR as the very last byte (a last line of just CR).
    if (data[0] == '\n' || (data[0] == '\r' && source_->size() == 1)) {
      source_->Consume(1);
    } else if (data[0] == '\r' && source_->size() >= 2 && data[1] == '\n') {
      source_->Consume(2);
    } else {
      return true;
    }
    ++next_line_;
  }
}

void ReaderBase::SkipByteOrderMark() {
  if (source_->size() < 3 && !source_->eof()) Fill();
  if (source_->size() >= 3 && std::memcmp(source_->data(), "\xEF\xBB\xBF", 3) == 0) {
    source_->Consume(3);
  }
}

void ReaderBase::Fill() {
  Status status = source_->Fill();
  if (!status.ok() && !io_error_) io_error_ = status;
}

bool ReaderBase::TakeIoError(Reject* reject) {
  if (!io_error_ || io_error_->ok()) return false;
  line_ = next_line_;
  FillReject(reject, "", "read error: " + io_error_->message(), "");
  io_error_ = Status::Ok();
  ended_ = true;
  return true;
}

}  // namespace panorama::ingest_internal
