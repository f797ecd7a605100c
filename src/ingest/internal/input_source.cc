#include "ingest/internal/input_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace panorama::ingest_internal {

Result<std::unique_ptr<InputSource>> InputSource::OpenFile(const std::string& path,
                                                           size_t capacity) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  std::unique_ptr<InputSource> source(new InputSource());
  source->fd_ = fd;
  source->path_ = path;
  source->capacity_ = capacity;
  source->buffer_ = std::make_unique_for_overwrite<char[]>(capacity);
  source->data_ = source->buffer_.get();
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  PANO_RETURN_IF_ERROR(source->Fill());
  return source;
}

std::unique_ptr<InputSource> InputSource::FromMemory(std::string_view data) {
  std::unique_ptr<InputSource> source(new InputSource());
  source->data_ = data.data();
  source->capacity_ = data.size();
  source->end_ = data.size();
  source->eof_ = true;
  return source;
}

InputSource::~InputSource() {
  if (fd_ >= 0) ::close(fd_);
}

Status InputSource::Fill() {
  if (eof_) return Status::Ok();
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < capacity_) {
    ssize_t n = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      eof_ = true;
      return Status::FromErrno("read " + path_, errno);
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    end_ += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace panorama::ingest_internal
