#include "cli/reject_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace panorama::cli {

void AppendCsvField(std::string_view value, std::string* out) {
  bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (char ch : value) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

RejectFile::~RejectFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Status RejectFile::Write(const Reject& reject) {
  if (file_ == nullptr) {
    std::error_code ec;
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // Owner-only: a rejected record may carry personal data that was never tokenized.
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::FromErrno("cannot create rejects file " + path_, errno);
    file_ = ::fdopen(fd, "w");
    if (file_ == nullptr) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno("cannot open rejects file " + path_, err);
    }
    static constexpr char kHeader[] = "source_file,line,field,reason,record\n";
    std::fputs(kHeader, file_);
  }
  line_.clear();
  AppendCsvField(reject.file, &line_);
  line_ += ',';
  line_ += std::to_string(reject.line);
  line_ += ',';
  AppendCsvField(reject.field, &line_);
  line_ += ',';
  AppendCsvField(reject.reason, &line_);
  line_ += ',';
  AppendCsvField(reject.record, &line_);
  line_ += '\n';
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
    return Status::FromErrno("cannot write rejects file " + path_, errno);
  }
  ++count_;
  return Status::Ok();
}

Status RejectFile::Close() {
  if (file_ == nullptr) return Status::Ok();
  bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  int err = errno;
  std::fclose(file_);
  file_ = nullptr;
  if (!ok) return Status::FromErrno("cannot flush rejects file " + path_, err);
  return Status::Ok();
}

}  // namespace panorama::cli
