// File-system helpers of the log: listing segments, whole-buffer POSIX reads and writes,
// directory fsync and the atomic write of .idx sidecars.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "log/internal/segment_format.h"

namespace panorama::log_internal {

// Owns a file descriptor; closes it on destruction.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

struct SegmentFile {
  uint64_t first_seq = 0;  // from the file name
  std::string name;        // "<first_seq>.seg"
  std::string path;        // dir + "/" + name
};

// The segments in `dir`, ordered by first sequence number. Other files are ignored. A
// missing directory holds no segments.
Result<std::vector<SegmentFile>> ListSegments(const std::string& dir);

std::string JoinPath(const std::string& dir, std::string_view name);

// Opens `path` read-only.
Result<ScopedFd> OpenForRead(const std::string& path);
Result<uint64_t> FileSize(int fd, const std::string& path);

// Reads exactly `size` bytes at `offset` unless the file ends first; returns the count read.
Result<size_t> ReadAt(int fd, char* dst, size_t size, uint64_t offset, const std::string& path);
// Writes all of `data` at `offset`, retrying partial writes and EINTR.
Status WriteAt(int fd, std::string_view data, uint64_t offset, const std::string& path);
Status SyncFile(int fd, const std::string& path);  // fdatasync
Status SyncDir(const std::string& dir);

// The bytes of the sidecar of the segment starting at `first_seq`; nullopt when absent.
Result<std::optional<std::string>> ReadSegmentIndexFile(const std::string& dir, uint64_t first_seq);
// The index of `segment` when its sidecar exists, is sound and matches the segment
// (first_seq and byte size); nullopt otherwise.
std::optional<SegmentIndex> LoadSegmentIndex(const std::string& dir, const SegmentFile& segment,
                                             uint64_t segment_bytes);
// Writes the sidecar atomically: tmp file, fsync, rename, fsync of the directory.
Status WriteSegmentIndex(const std::string& dir, const SegmentIndex& index);

// "<segment name>:<offset>".
std::string Location(std::string_view segment_name, uint64_t offset);

}  // namespace panorama::log_internal
