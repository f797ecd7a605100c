#include "log/internal/segment_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/atomic_file.h"

namespace panorama::log_internal {

void ScopedFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

Result<std::vector<SegmentFile>> ListSegments(const std::string& dir) {
  std::vector<SegmentFile> segments;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return segments;
    return Status::FromErrno("opening log directory " + dir, errno);
  }
  errno = 0;
  // readdir is safe here: no other thread shares this DIR stream (readdir_r is deprecated).
  while (const dirent* entry = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe)
    std::string_view name = entry->d_name;
    if (auto seq = ParseSegmentFileName(name)) {
      segments.push_back({*seq, std::string(name), JoinPath(dir, name)});
    }
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return Status::FromErrno("listing log directory " + dir, err);
  std::sort(segments.begin(), segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.first_seq < b.first_seq; });
  return segments;
}

Result<ScopedFd> OpenForRead(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("opening " + path, errno);
  return ScopedFd(fd);
}

Result<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat of " + path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<size_t> ReadAt(int fd, char* dst, size_t size, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, dst + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("reading " + path, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status WriteAt(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("writing " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status SyncFile(int fd, const std::string& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return Status::FromErrno("syncing " + path, errno);
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("opening directory " + dir, errno);
  ScopedFd owned(fd);
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return Status::FromErrno("syncing directory " + dir, errno);
  }
  return Status::Ok();
}

Result<std::optional<std::string>> ReadSegmentIndexFile(const std::string& dir,
                                                        uint64_t first_seq) {
  std::string path = JoinPath(dir, IndexFileName(first_seq));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Status::FromErrno("opening " + path, errno);
  }
  ScopedFd owned(fd);
  std::string bytes(kIndexSize + 1, '\0');
  PANO_ASSIGN_OR_RETURN(size_t n, ReadAt(fd, bytes.data(), bytes.size(), 0, path));
  bytes.resize(n);
  return std::optional<std::string>(std::move(bytes));
}

std::optional<SegmentIndex> LoadSegmentIndex(const std::string& dir, const SegmentFile& segment,
                                             uint64_t segment_bytes) {
  auto bytes = ReadSegmentIndexFile(dir, segment.first_seq);
  if (!bytes.ok() || !bytes->has_value()) return std::nullopt;
  auto index = DecodeSegmentIndex(**bytes);
  if (!index || index->first_seq != segment.first_seq || index->segment_bytes != segment_bytes) {
    return std::nullopt;
  }
  return index;
}

Status WriteSegmentIndex(const std::string& dir, const SegmentIndex& index) {
  return WriteFileAtomically(JoinPath(dir, IndexFileName(index.first_seq)),
                             EncodeSegmentIndex(index));
}

std::string Location(std::string_view segment_name, uint64_t offset) {
  std::string out(segment_name);
  out += ':';
  out += std::to_string(offset);
  return out;
}

}  // namespace panorama::log_internal
