#include "log/log_test_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace panorama::log_test {

void LogTest::SetUp() {
  std::string tmpl = ::testing::TempDir() + "panorama_log_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  base_ = tmpl;
  dir_ = base_ + "/log";
}

void LogTest::TearDown() {
  std::error_code ec;
  std::filesystem::remove_all(base_, ec);
}

std::unique_ptr<TransactionLog> LogTest::OpenLog(const LogOptions& options) {
  auto log = TransactionLog::Open(dir_, options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (!log.ok()) return nullptr;
  return std::move(log).value();
}

void LogTest::AppendRandom(TransactionLog* log, int batches, int max_records, size_t max_payload) {
  AppendRandom(log, batches, max_records, max_payload, [this] {
    Timestamp last = model_.empty() ? 1'700'000'000'000'000 : model_.back().ts;
    return last + static_cast<Timestamp>(rng_() % 1000);
  });
}

std::string LogTest::RandomPayload(size_t max_size) {
  size_t size = rng_() % (max_size + 1);
  std::string payload(size, '\0');
  for (char& c : payload) c = static_cast<char>(rng_());
  return payload;
}

std::vector<std::string> LogTest::Segments() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".seg") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint64_t> LogTest::RecordOffsets(uint64_t first_seq) const {
  std::vector<uint64_t> offsets;
  uint64_t offset = kSegmentHeaderBytes;
  for (const ModelRecord& r : model_) {
    if (r.seq < first_seq) continue;
    offsets.push_back(offset);
    offset += kRecordHeaderBytes + r.payload.size();
  }
  return offsets;
}

std::vector<ModelRecord> ReadAll(LogReader* reader) {
  std::vector<ModelRecord> out;
  LogRecord record;
  while (reader->Next(&record)) {
    out.push_back({record.seq, record.ts, record.kind, std::string(record.payload)});
  }
  EXPECT_TRUE(reader->status().ok()) << reader->status().ToString();
  return out;
}

std::vector<ModelRecord> ReadSeqRange(const std::string& dir, uint64_t from, uint64_t to) {
  auto reader = LogReader::OpenRange(dir, from, to);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return {};
  return ReadAll(reader->get());
}

std::vector<ModelRecord> Slice(const std::vector<ModelRecord>& model, uint64_t from_seq,
                               uint64_t to_seq) {
  std::vector<ModelRecord> out;
  for (const ModelRecord& r : model) {
    if (r.seq >= from_seq && r.seq <= to_seq) out.push_back(r);
  }
  return out;
}

uint64_t FileSize(const std::string& path) { return std::filesystem::file_size(path); }

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
  ASSERT_TRUE(f.good());
}

void Truncate(const std::string& path, uint64_t size) { std::filesystem::resize_file(path, size); }

void AppendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good());
}

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace panorama::log_test
