// InputSource: a sliding window over the bytes of an input file or of a memory buffer.
//
// Invariants: data() .. data()+size() are the bytes not yet consumed, at absolute offset
// offset() of the input. A file source holds at most capacity() bytes at a time, so memory
// does not grow with the file size; Fill() moves the unconsumed bytes to the front of its
// buffer and reads more after them (pointers into the window are invalidated by Fill()).
// A memory source exposes the whole buffer and is always at eof().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace panorama::ingest_internal {

class InputSource {
 public:
  static Result<std::unique_ptr<InputSource>> OpenFile(const std::string& path, size_t capacity);
  static std::unique_ptr<InputSource> FromMemory(std::string_view data);
  InputSource(const InputSource&) = delete;
  InputSource& operator=(const InputSource&) = delete;
  ~InputSource();

  const char* data() const { return data_ + begin_; }
  size_t size() const { return end_ - begin_; }
  uint64_t offset() const { return consumed_; }
  // No bytes follow the window.
  bool eof() const { return eof_; }
  size_t capacity() const { return capacity_; }

  void Consume(size_t n) {
    begin_ += n;
    consumed_ += n;
  }
  // Reads more bytes into the window. A no-op at eof(); an I/O error sets eof() and returns
  // the error.
  Status Fill();

 private:
  InputSource() = default;

  int fd_ = -1;
  std::string path_;
  std::unique_ptr<char[]> buffer_;
  const char* data_ = nullptr;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
};

}  // namespace panorama::ingest_internal
