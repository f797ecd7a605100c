#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

namespace panorama {
namespace {

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("writing " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status Fsync(int fd, const std::string& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return Status::FromErrno("syncing " + path, errno);
  }
  return Status::Ok();
}

constexpr std::string_view kTemporaryInfix = ".tmp.";

bool AllDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string_view AtomicWriteTarget(std::string_view name) {
  // <target>.tmp.<pid>.<n>
  const size_t n_dot = name.rfind('.');
  if (n_dot == std::string_view::npos || !AllDigits(name.substr(n_dot + 1))) return {};
  std::string_view rest = name.substr(0, n_dot);  // <target>.tmp.<pid>
  const size_t pid_dot = rest.rfind('.');
  if (pid_dot == std::string_view::npos || !AllDigits(rest.substr(pid_dot + 1))) return {};
  rest = rest.substr(0, pid_dot + 1);  // <target>.tmp.
  if (!rest.ends_with(kTemporaryInfix) || rest.size() == kTemporaryInfix.size()) return {};
  return rest.substr(0, rest.size() - kTemporaryInfix.size());
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + std::string(kTemporaryInfix) + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("creating " + tmp, errno);
  Status status = WriteAll(fd, data, tmp);
  if (status.ok()) status = Fsync(fd, tmp);
  if (::close(fd) != 0 && status.ok()) status = Status::FromErrno("closing " + tmp, errno);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = Status::FromErrno("renaming " + tmp + " to " + path, errno);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::FromErrno("opening directory " + dir, errno);
  status = Fsync(dir_fd, dir);
  ::close(dir_fd);
  return status;
}

}  // namespace panorama
