#include "state/event_store.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <unordered_set>

#include "core/event_codec.h"

namespace panorama {
namespace {

// Index keys: 'k' + Event::AppendKey -> fixed64 sequence number; one meta key holds the
// last log sequence number whose event the index reflects.
constexpr char kKeyPrefix = 'k';
constexpr std::string_view kAppliedSeqKey = "m/applied_seq";
// Index writes are grouped into RocksDB batches of this many keys during replay.
constexpr size_t kReplayBatch = 8192;

std::string EncodeFixed64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

uint64_t DecodeFixed64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < in.size(); ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  }
  return v;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string message(what);
  message += ": ";
  message += s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(message));
  return Status::IOError(std::move(message));
}

// Makes the log durable before RocksDB persists index entries: under SyncPolicy::kNone or
// kInterval the index must never reach disk ahead of the log records it points at, or a
// power failure would leave keys whose events are gone (and would then be skipped as
// duplicates when reloaded).
class SyncLogBeforeFlush : public rocksdb::EventListener {
 public:
  void set_log(TransactionLog* log) { log_.store(log); }
  void OnFlushBegin(rocksdb::DB* /*db*/, const rocksdb::FlushJobInfo& /*info*/) override {
    TransactionLog* log = log_.load();
    if (log != nullptr) log->Sync().IgnoreError();
  }

 private:
  std::atomic<TransactionLog*> log_{nullptr};
};

}  // namespace

std::string LogDir(const std::string& data_dir) { return data_dir + "/log"; }
std::string StateDir(const std::string& data_dir) { return data_dir + "/state"; }
std::string MetaDir(const std::string& data_dir) { return data_dir + "/meta"; }
std::string PiiKeyPath(const std::string& data_dir) { return MetaDir(data_dir) + "/pii.key"; }

struct EventStore::Impl {
  std::string data_dir;
  int lock_fd = -1;
  std::unique_ptr<TransactionLog> log;
  std::unique_ptr<rocksdb::DB> index;
  OpenReport report;
  rocksdb::WriteOptions write_options;
  std::shared_ptr<SyncLogBeforeFlush> flush_listener = std::make_shared<SyncLogBeforeFlush>();

  std::mutex mu;
  // Set (under mu) when an index write failed after its records reached the log: the index
  // no longer reflects the log, so accepting more would store those events again and move
  // applied_seq past records the index lacks. Append() refuses work until a reopen replays
  // the log into the index.
  Status failed;
  // Scratch reused across Append() calls (guarded by mu).
  std::string keys;
  std::vector<size_t> key_ends;
  std::vector<rocksdb::Slice> key_slices;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
  std::unordered_set<std::string_view> batch_keys;
  std::vector<uint8_t> duplicate_scratch;
  std::string payload;
  LogBatch log_batch;

  ~Impl() {
    index.reset();
    flush_listener->set_log(nullptr);
    log.reset();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  Status Lock() {
    std::string path = data_dir + "/LOCK";
    lock_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) return Status::FromErrno("cannot open " + path, errno);
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return Status::FailedPrecondition("data directory " + data_dir +
                                          " is in use by another panorama process");
      }
      return Status::FromErrno("cannot lock " + path, errno);
    }
    return Status::Ok();
  }

  Status OpenIndex() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.IncreaseParallelism(2);
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Most lookups are for new keys: a memtable Bloom filter answers those without a
    // skiplist search.
    options.memtable_prefix_bloom_size_ratio = 0.05;
    options.memtable_whole_key_filtering = true;
    options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    options.keep_log_file_num = 2;
    flush_listener->set_log(log.get());
    options.listeners.push_back(flush_listener);
    rocksdb::DB* db = nullptr;
    PANO_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::Open(options, StateDir(data_dir), &db), "cannot open id index"));
    index.reset(db);
    // The log is the truth: what the index loses in a crash is replayed from it.
    write_options.disableWAL = true;
    return Status::Ok();
  }

  Result<uint64_t> AppliedSeq() {
    std::string value;
    rocksdb::Status s = index->Get(rocksdb::ReadOptions(), std::string(kAppliedSeqKey), &value);
    if (s.IsNotFound()) return uint64_t{0};
    PANO_RETURN_IF_ERROR(FromRocks(s, "cannot read id index"));
    return DecodeFixed64(value);
  }

  // Replays log records after the index's applied sequence number into the index.
  Status CatchUp() {
    PANO_ASSIGN_OR_RETURN(uint64_t applied, AppliedSeq());
    uint64_t last = log->last_seq();
    if (applied > last) {
      return Status::Corruption("id index reflects sequence " + std::to_string(applied) +
                                " but the log ends at " + std::to_string(last));
    }
    if (applied == last) return Status::Ok();
    PANO_ASSIGN_OR_RETURN(auto reader, LogReader::OpenRange(LogDir(data_dir), applied + 1, last));
    rocksdb::WriteBatch batch;
    Event event;
    LogRecord record;
    std::string key;
    uint64_t expected = applied + 1;
    while (reader->Next(&record)) {
      PANO_RETURN_IF_ERROR(DecodeEvent(record.payload, &event)
                               .WithContext("log record " + std::to_string(record.seq)));
      key.assign(1, kKeyPrefix);
      event.AppendKey(&key);
      batch.Put(key, EncodeFixed64(record.seq));
      expected = record.seq + 1;
      ++report.index_replayed;
      if (batch.Count() >= kReplayBatch) {
        batch.Put(std::string(kAppliedSeqKey), EncodeFixed64(record.seq));
        PANO_RETURN_IF_ERROR(FromRocks(index->Write(write_options, &batch), "id index write"));
        batch.Clear();
      }
    }
    PANO_RETURN_IF_ERROR(reader->status());
    if (expected != last + 1) {
      return Status::Corruption("log ended at sequence " + std::to_string(expected - 1) +
                                " while replaying to " + std::to_string(last));
    }
    batch.Put(std::string(kAppliedSeqKey), EncodeFixed64(last));
    return FromRocks(index->Write(write_options, &batch), "id index write");
  }
};

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() {
  if (!impl_ || !impl_->index) return;
  // As in Close(), the log first: the index (which RocksDB also flushes when it closes) must
  // not become durable ahead of records that SyncPolicy::kNone/kInterval left unsynced.
  impl_->log->Sync().IgnoreError();
  impl_->index->Flush(rocksdb::FlushOptions()).PermitUncheckedError();
}

Result<std::unique_ptr<EventStore>> EventStore::Open(const std::string& data_dir,
                                                     const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->data_dir = data_dir;
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IOError("cannot create data directory " + data_dir + ": " + ec.message());
  std::filesystem::create_directories(MetaDir(data_dir), ec);
  if (ec) return Status::IOError("cannot create " + MetaDir(data_dir) + ": " + ec.message());
  PANO_RETURN_IF_ERROR(impl->Lock());
  PANO_ASSIGN_OR_RETURN(impl->log, TransactionLog::Open(LogDir(data_dir), options.log));
  impl->report.log = impl->log->recovery();
  PANO_RETURN_IF_ERROR(impl->OpenIndex());
  PANO_ASSIGN_OR_RETURN(uint64_t applied, impl->AppliedSeq());
  if (applied > impl->log->last_seq() && impl->report.log.tail_truncated) {
    // Recovery cut records off the log that the index already holds (the tail was damaged
    // after it was synced). Those events are no longer stored, so their keys must go too,
    // or reloading them would skip them as duplicates: rebuild the index from the log.
    impl->index.reset();
    PANO_RETURN_IF_ERROR(
        FromRocks(rocksdb::DestroyDB(StateDir(data_dir), rocksdb::Options()), "id index reset"));
    PANO_RETURN_IF_ERROR(impl->OpenIndex());
    impl->report.index_rebuilt = true;
  }
  PANO_RETURN_IF_ERROR(impl->CatchUp());
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

Result<AppendOutcome> EventStore::Append(std::span<const Event> events,
                                         std::vector<uint8_t>* duplicate) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.failed.ok()) return s.failed;
  size_t n = events.size();
  AppendOutcome outcome;
  if (n == 0) {
    if (duplicate != nullptr) duplicate->clear();
    return outcome;
  }

  s.keys.clear();
  s.key_ends.clear();
  for (const Event& event : events) {
    s.keys.push_back(kKeyPrefix);
    event.AppendKey(&s.keys);
    s.key_ends.push_back(s.keys.size());
  }
  s.key_slices.clear();
  size_t begin = 0;
  for (size_t end : s.key_ends) {
    s.key_slices.emplace_back(s.keys.data() + begin, end - begin);
    begin = end;
  }
  s.values.resize(n);
  s.statuses.resize(n);
  s.index->MultiGet(rocksdb::ReadOptions(), s.index->DefaultColumnFamily(), n, s.key_slices.data(),
                    s.values.data(), s.statuses.data());

  s.batch_keys.clear();
  s.log_batch.Clear();
  std::vector<uint8_t>& is_dup = duplicate != nullptr ? *duplicate : s.duplicate_scratch;
  is_dup.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (s.statuses[i].ok()) {
      is_dup[i] = 1;
    } else if (!s.statuses[i].IsNotFound()) {
      return FromRocks(s.statuses[i], "id index lookup");
    } else {
      std::string_view key(s.key_slices[i].data(), s.key_slices[i].size());
      if (!s.batch_keys.insert(key).second) is_dup[i] = 1;
    }
    if (is_dup[i]) {
      ++outcome.duplicates;
      continue;
    }
    s.payload.clear();
    EncodeEvent(events[i], &s.payload);
    s.log_batch.Add(static_cast<uint8_t>(events[i].kind()), events[i].ts(), s.payload);
  }
  for (auto& value : s.values) value.Reset();
  if (s.log_batch.empty()) return outcome;

  PANO_ASSIGN_OR_RETURN(uint64_t first_seq, s.log->Append(s.log_batch));
  rocksdb::WriteBatch batch;
  uint64_t seq = first_seq;
  for (size_t i = 0; i < n; ++i) {
    if (is_dup[i]) continue;
    batch.Put(s.key_slices[i], EncodeFixed64(seq));
    ++seq;
  }
  batch.Put(std::string(kAppliedSeqKey), EncodeFixed64(seq - 1));
  Status written = FromRocks(s.index->Write(s.write_options, &batch), "id index write");
  if (!written.ok()) {
    s.failed =
        written.WithContext("log records " + std::to_string(first_seq) + ".." +
                            std::to_string(seq - 1) + " are not in the id index; reopen the store");
    return s.failed;
  }
  outcome.accepted = seq - first_seq;
  outcome.first_seq = first_seq;
  outcome.last_seq = seq - 1;
  return outcome;
}

Result<bool> EventStore::Contains(const Event& event) {
  std::string key(1, kKeyPrefix);
  event.AppendKey(&key);
  std::string value;
  rocksdb::Status s = impl_->index->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return false;
  PANO_RETURN_IF_ERROR(FromRocks(s, "id index lookup"));
  return true;
}

const OpenReport& EventStore::open_report() const { return impl_->report; }
uint64_t EventStore::last_seq() const { return impl_->log->last_seq(); }
const std::string& EventStore::data_dir() const { return impl_->data_dir; }

Status EventStore::Close() {
  PANO_RETURN_IF_ERROR(impl_->log->Sync());
  return FromRocks(impl_->index->Flush(rocksdb::FlushOptions()), "id index flush");
}

Result<IndexReport> InspectIndex(const std::string& data_dir) {
  IndexReport report;
  std::error_code ec;
  if (!std::filesystem::exists(StateDir(data_dir) + "/CURRENT", ec)) return report;
  report.exists = true;
  rocksdb::Options options;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* db = nullptr;
  PANO_RETURN_IF_ERROR(FromRocks(rocksdb::DB::OpenForReadOnly(options, StateDir(data_dir), &db),
                                 "cannot open id index"));
  std::unique_ptr<rocksdb::DB> index(db);
  std::string value;
  rocksdb::Status s = index->Get(rocksdb::ReadOptions(), std::string(kAppliedSeqKey), &value);
  if (s.ok()) {
    report.applied_seq = DecodeFixed64(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "cannot read id index");
  }
  std::unique_ptr<rocksdb::Iterator> it(index->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(rocksdb::Slice(&kKeyPrefix, 1)); it->Valid() && it->key()[0] == kKeyPrefix;
       it->Next()) {
    ++report.keys;
  }
  PANO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot scan id index"));
  return report;
}

}  // namespace panorama
