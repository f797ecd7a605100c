#include "decide/lists.h"

#include <sqlite3.h>

#include <chrono>
#include <mutex>

#include "core/schema.h"
#include "ingest/record_reader.h"
#include "state/event_store.h"

namespace panorama::decide {
namespace {

Timestamp NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }
  void Bind(int index, std::string_view text) {
    // An empty view may have no data pointer, which SQLite would bind as NULL.
    sqlite3_bind_text(stmt_, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  Status Error(std::string_view what) const {
    return Status::IOError(std::string(what) + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

Status ValidateListValue(ListType type, std::string_view value) {
  // A value is checked as the transaction field it is compared with, by ingest's own rules.
  return ValidateFieldText(EventKind::kTransaction, ListFields(type)[0], value);
}

std::string ListStorePath(const std::string& data_dir) { return MetaDir(data_dir) + "/lists.db"; }

struct ListStore::Impl {
  std::mutex mutex;
  sqlite3* db = nullptr;
  uint64_t own_changes = 0;

  ~Impl() { sqlite3_close(db); }

  Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      Status status = Status::IOError(std::string("list store: ") + (message ? message : "error"));
      sqlite3_free(message);
      return status;
    }
    return Status::Ok();
  }

  Result<ListInfo> Find(std::string_view name) {
    Statement select(db,
                     "SELECT kind, type, description, updated_at, "
                     "(SELECT count(*) FROM list_values WHERE list = ?1) "
                     "FROM lists WHERE name = ?1");
    if (!select.ok()) return select.Error("list store");
    select.Bind(1, name);
    int rc = select.Step();
    if (rc == SQLITE_DONE) return Status::NotFound("no list '" + std::string(name) + "'");
    if (rc != SQLITE_ROW) return select.Error("list store");
    ListInfo info;
    info.name = std::string(name);
    ParseListKind(select.Text(0), &info.kind);
    ParseListType(select.Text(1), &info.type);
    info.description = select.Text(2);
    info.updated_at = select.Int(3);
    info.size = static_cast<uint64_t>(select.Int(4));
    return info;
  }

  Status CreateLocked(const ListInfo& info) {
    if (!ValidName(info.name)) {
      return Status::InvalidArgument("list name '" + info.name + "' is not [a-z0-9_]{1,64}");
    }
    auto existing = Find(info.name);
    if (existing.ok()) {
      if (existing->kind != info.kind || existing->type != info.type) {
        return Status::FailedPrecondition(
            "list '" + info.name + "' exists as a " + std::string(ListKindName(existing->kind)) +
            " list of " + std::string(ListTypeName(existing->type)) + " values, not " +
            std::string(ListKindName(info.kind)) + " of " + std::string(ListTypeName(info.type)));
      }
      return Status::Ok();
    }
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    Statement insert(db,
                     "INSERT INTO lists(name, kind, type, description, updated_at) "
                     "VALUES (?, ?, ?, ?, ?)");
    if (!insert.ok()) return insert.Error("list store");
    insert.Bind(1, info.name);
    insert.Bind(2, ListKindName(info.kind));
    insert.Bind(3, ListTypeName(info.type));
    insert.Bind(4, info.description);
    insert.Bind(5, NowMicros());
    if (insert.Step() != SQLITE_DONE) return insert.Error("cannot create list");
    ++own_changes;
    return Status::Ok();
  }

  // Adds `add` and then removes `remove` in one transaction; every value is checked first.
  Status Change(std::string_view list, std::span<const std::string> add,
                std::span<const std::string> remove, uint64_t* added, uint64_t* removed) {
    PANO_ASSIGN_OR_RETURN(ListInfo info, Find(list));
    for (auto values : {add, remove}) {
      for (const std::string& value : values) {
        Status valid = ValidateListValue(info.type, value);
        if (!valid.ok()) {
          return valid.WithContext("list '" + info.name + "' (" +
                                   std::string(ListTypeName(info.type)) + ")");
        }
      }
    }
    PANO_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Statement insert(db,
                     "INSERT OR IGNORE INTO list_values(list, value, added_at) VALUES (?, ?, ?)");
    Statement erase(db, "DELETE FROM list_values WHERE list = ? AND value = ?");
    Statement touch(db, "UPDATE lists SET updated_at = ? WHERE name = ?");
    const Timestamp now = NowMicros();
    // Runs `statement` once per value; the rows it changed, or an error.
    auto apply = [&](Statement& statement, std::span<const std::string> values, bool stamped,
                     uint64_t* count) -> Status {
      if (!statement.ok()) return statement.Error("list store");
      for (const std::string& value : values) {
        statement.Bind(1, list);
        statement.Bind(2, value);
        if (stamped) statement.Bind(3, now);
        if (statement.Step() != SQLITE_DONE) {
          return statement.Error("cannot change list '" + info.name + "'");
        }
        *count += static_cast<uint64_t>(sqlite3_changes(db));
        statement.Reset();
      }
      return Status::Ok();
    };
    uint64_t in = 0, out = 0;
    Status status = apply(insert, add, true, &in);
    if (status.ok()) status = apply(erase, remove, false, &out);
    if (status.ok()) {
      touch.Bind(1, now);
      touch.Bind(2, list);
      if (!touch.ok() || touch.Step() != SQLITE_DONE) status = touch.Error("list store");
    }
    if (!status.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return status;
    }
    PANO_RETURN_IF_ERROR(Exec("COMMIT"));
    ++own_changes;
    if (added != nullptr) *added = in;
    if (removed != nullptr) *removed = out;
    return Status::Ok();
  }
};

ListStore::ListStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ListStore::~ListStore() = default;

Result<std::unique_ptr<ListStore>> ListStore::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return Status::IOError("cannot open list store " + path + ": " +
                           (impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_busy_timeout(impl->db, 5000);
  // WAL with synchronous=FULL: a committed change survives a crash of the machine; readers in
  // other processes (the CLI beside a server) do not block the writer.
  Status status = impl->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS lists(name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
      " type TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS list_values(list TEXT NOT NULL, value TEXT NOT NULL,"
      " added_at INTEGER NOT NULL, PRIMARY KEY(list, value)) WITHOUT ROWID;");
  if (!status.ok()) return status.WithContext(path);
  return std::unique_ptr<ListStore>(new ListStore(std::move(impl)));
}

Status ListStore::Create(const ListInfo& info) {
  std::lock_guard lock(impl_->mutex);
  return impl_->CreateLocked(info);
}

Status ListStore::Add(std::string_view list, std::span<const std::string> values,
                      uint64_t* changed) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Change(list, values, {}, changed, nullptr);
}

Status ListStore::Remove(std::string_view list, std::span<const std::string> values,
                         uint64_t* changed) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Change(list, {}, values, nullptr, changed);
}

Status ListStore::Change(std::string_view list, std::span<const std::string> add,
                         std::span<const std::string> remove, uint64_t* added, uint64_t* removed) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Change(list, add, remove, added, removed);
}

Status ListStore::Drop(std::string_view list) {
  std::lock_guard lock(impl_->mutex);
  PANO_RETURN_IF_ERROR(impl_->Find(list).status());
  PANO_RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  Statement values(impl_->db, "DELETE FROM list_values WHERE list = ?");
  Statement lists(impl_->db, "DELETE FROM lists WHERE name = ?");
  if (!values.ok() || !lists.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();
    return values.Error("list store");
  }
  values.Bind(1, list);
  lists.Bind(1, list);
  if (values.Step() != SQLITE_DONE || lists.Step() != SQLITE_DONE) {
    Status status = values.Error("cannot drop list '" + std::string(list) + "'");
    impl_->Exec("ROLLBACK").IgnoreError();
    return status;
  }
  PANO_RETURN_IF_ERROR(impl_->Exec("COMMIT"));
  ++impl_->own_changes;
  return Status::Ok();
}

Result<std::vector<ListInfo>> ListStore::Lists() {
  std::lock_guard lock(impl_->mutex);
  Statement select(impl_->db,
                   "SELECT l.name, l.kind, l.type, l.description, l.updated_at,"
                   " (SELECT count(*) FROM list_values v WHERE v.list = l.name)"
                   " FROM lists l ORDER BY l.name");
  if (!select.ok()) return select.Error("list store");
  std::vector<ListInfo> lists;
  int rc = 0;
  while ((rc = select.Step()) == SQLITE_ROW) {
    ListInfo& info = lists.emplace_back();
    info.name = select.Text(0);
    ParseListKind(select.Text(1), &info.kind);
    ParseListType(select.Text(2), &info.type);
    info.description = select.Text(3);
    info.updated_at = select.Int(4);
    info.size = static_cast<uint64_t>(select.Int(5));
  }
  if (rc != SQLITE_DONE) return select.Error("list store");
  return lists;
}

Result<std::vector<std::string>> ListStore::Values(std::string_view list, std::string_view after,
                                                   size_t limit) {
  std::lock_guard lock(impl_->mutex);
  PANO_RETURN_IF_ERROR(impl_->Find(list).status());
  Statement select(impl_->db,
                   "SELECT value FROM list_values WHERE list = ? AND value > ? "
                   "ORDER BY value LIMIT ?");
  if (!select.ok()) return select.Error("list store");
  select.Bind(1, list);
  select.Bind(2, after);
  select.Bind(3, limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit));
  std::vector<std::string> values;
  int rc = 0;
  while ((rc = select.Step()) == SQLITE_ROW) values.push_back(select.Text(0));
  if (rc != SQLITE_DONE) return select.Error("list store");
  return values;
}

Result<uint64_t> ListStore::Generation() {
  std::lock_guard lock(impl_->mutex);
  Statement version(impl_->db, "PRAGMA data_version");
  if (!version.ok() || version.Step() != SQLITE_ROW) return version.Error("list store");
  return impl_->own_changes + static_cast<uint64_t>(version.Int(0));
}

Status ListStore::EnsureDeclared(const RuleSet& rules) {
  std::lock_guard lock(impl_->mutex);
  for (const ListDecl& decl : rules.lists()) {
    ListInfo info;
    info.name = decl.name;
    info.kind = decl.kind;
    info.type = decl.type;
    info.description = decl.description;
    Status status = impl_->CreateLocked(info);
    if (!status.ok()) {
      return status.WithContext(rules.file() + ":" + std::to_string(decl.line) + ": list '" +
                                decl.name + "'");
    }
  }
  return Status::Ok();
}

Result<std::shared_ptr<const ListSnapshot>> ListStore::Snapshot(const RuleSet& rules) {
  std::lock_guard lock(impl_->mutex);
  auto snapshot = std::make_shared<ListSnapshot>(rules.lists().size());
  Statement select(impl_->db, "SELECT value FROM list_values WHERE list = ?");
  if (!select.ok()) return select.Error("list store");
  for (size_t i = 0; i < rules.lists().size(); ++i) {
    const ListDecl& decl = rules.lists()[i];
    auto info = impl_->Find(decl.name);
    if (!info.ok()) {
      return info.status().WithContext("rule set '" + rules.name() + "' declares it");
    }
    if (info->kind != decl.kind || info->type != decl.type) {
      return Status::FailedPrecondition(
          "list '" + decl.name + "' is a " + std::string(ListKindName(info->kind)) + " list of " +
          std::string(ListTypeName(info->type)) + " values, but rule set '" + rules.name() +
          "' declares it otherwise");
    }
    select.Bind(1, decl.name);
    int rc = 0;
    while ((rc = select.Step()) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(select.get(), 0);
      snapshot->Add(i,
                    std::string_view(reinterpret_cast<const char*>(text),
                                     static_cast<size_t>(sqlite3_column_bytes(select.get(), 0))));
    }
    if (rc != SQLITE_DONE) return select.Error("list store");
    select.Reset();
  }
  return std::shared_ptr<const ListSnapshot>(std::move(snapshot));
}

}  // namespace panorama::decide
