#include "ingest/pii.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace panorama {
namespace {

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

Status ReadKey(const std::string& path, int fd, std::array<unsigned char, 32>* key) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("PII key " + path + " is not a regular file");
  }
  if (st.st_size != static_cast<off_t>(key->size())) {
    return Status::InvalidArgument("PII key " + path + " has " + std::to_string(st.st_size) +
                                   " bytes; expected " + std::to_string(key->size()));
  }
  size_t done = 0;
  while (done < key->size()) {
    ssize_t n = ::read(fd, key->data() + done, key->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read " + path, errno);
    if (n == 0) return Status::InvalidArgument("PII key " + path + " is truncated");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteKey(const std::string& path, int fd, const std::array<unsigned char, 32>& key) {
  size_t done = 0;
  while (done < key.size()) {
    ssize_t n = ::write(fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("write " + path, errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Status::FromErrno("fsync " + path, errno);
  return Status::Ok();
}

}  // namespace

Result<PiiTokenizer> PiiTokenizer::LoadOrCreate(const std::string& key_path) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialize");
  PiiTokenizer tokenizer;
  int fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    FdCloser closer(fd);
    randombytes_buf(tokenizer.key_.data(), tokenizer.key_.size());
    Status written = WriteKey(key_path, fd, tokenizer.key_);
    if (!written.ok()) {
      ::unlink(key_path.c_str());
      return written;
    }
    return tokenizer;
  }
  if (errno != EEXIST) return Status::FromErrno("create PII key " + key_path, errno);
  fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open PII key " + key_path, errno);
  FdCloser closer(fd);
  PANO_RETURN_IF_ERROR(ReadKey(key_path, fd, &tokenizer.key_));
  return tokenizer;
}

PiiTokenizer PiiTokenizer::FromKey(std::span<const unsigned char, kKeyBytes> key) {
  PiiTokenizer tokenizer;
  std::memcpy(tokenizer.key_.data(), key.data(), kKeyBytes);
  return tokenizer;
}

void PiiTokenizer::Tokenize(std::string_view value, std::string* out) const {
  unsigned char hash[kHashBytes];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(value.data()),
                     value.size(), key_.data(), key_.size());
  char hex[2 * kHashBytes + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  out->assign(kTokenPrefix);
  out->append(hex, 2 * kHashBytes);
}

}  // namespace panorama
