// The WiredTiger adapter (Debian's libwiredtiger), registered as "wiredtiger".
//
// One table, "table:bench", of raw byte keys and values (key_format=u,
// value_format=u) stored as an LSM tree (type=lsm) with bloom filters, in a
// connection with its log enabled. Every Put/Delete is one transaction
// (WritePuts: one for the batch), retried when WiredTiger rolls it back on a
// conflict with a concurrent writer.
//
// Commit durability, the same in both modes of the comparison: the connection
// is opened with transaction_sync=(enabled=true,method=none), so a commit
// returns once its log record has been written to the OS (write(2), no
// flush): it survives a crash of the process, not of the machine, like a
// non-sync write of the other engines. A write that asks for sync then calls
// WT_SESSION::log_flush("sync=on"), which fsyncs the log up to that record
// before returning. (WiredTiger's own default, transaction_sync enabled=false,
// would leave a non-sync commit in WiredTiger's in-memory log buffer, where a
// crash of the process loses it.)
//
// Sessions are single-threaded: each thread keeps a session and a cursor on
// the table of its own (HandlePool); an iterator takes another session, in a
// snapshot transaction.
//
// The shared shape (EngineOptions, unless engine_defaults):
//   write_buffer_size  -> lsm=(chunk_size) (the in-memory chunk)
//   block_cache_bytes  -> cache_size = block_cache_bytes + 2 * write_buffer_size:
//                         WiredTiger's cache also holds the in-memory chunks,
//                         which the other engines keep outside their block
//                         cache (a memtable and the one being flushed)
//   block_size         -> leaf_page_max (allocation_size 4 KiB, or 512 B when
//                         the block size is not a multiple of 4 KiB)
//   bloom_bits_per_key -> lsm=(bloom_bit_count, bloom_hash_count = 0.69 * bits,
//                         bloom_oldest=true: a filter on every chunk)
//   compression        -> block_compressor=snappy (Debian's snappy extension,
//                         loaded from beside libwiredtiger.so.0) or none
//   max_background_jobs -> lsm_manager=(worker_thread_max), at least 3 (its
//                         minimum)
//   target_file_size, max_bytes_for_level_base, max_open_files: no equivalent
//                         (chunks merge by count, not into size-bounded levels)
// With engine_defaults only the bloom filter is set (bloom_bit_count from
// bloom_bits_per_key; WiredTiger's default hash count and no filter on the
// oldest chunk); everything else is WiredTiger's default (cache 100 MB,
// chunk 10 MB, leaf pages 32 KB, no compression, 4 LSM workers).
#include <dlfcn.h>
#include <link.h>
#include <wiredtiger.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/engines/engine.h"
#include "bench/engines/handle_pool.h"

namespace lsm {
namespace bench {
namespace {

constexpr char kTable[] = "table:bench";
// Attempts of a transaction that WiredTiger keeps rolling back (WT_ROLLBACK:
// a write conflict with another thread's transaction on the same key).
constexpr int kMaxAttempts = 1000;

absl::Status FromWt(int rc, std::string_view what) {
  if (rc == 0) return absl::OkStatus();
  const std::string message = absl::StrCat(std::string(what), ": ", wiredtiger_strerror(rc));
  switch (rc) {
    case WT_NOTFOUND:
    case ENOENT:
      return absl::NotFoundError(message);
    case WT_ROLLBACK:
      return absl::AbortedError(message);
    case WT_CACHE_FULL:
      return absl::ResourceExhaustedError(message);
    case EINVAL:
      return absl::InvalidArgumentError(message);
    case ENOTSUP:
      return absl::UnimplementedError(message);
    default:
      return absl::InternalError(message);
  }
}

WT_ITEM ToItem(std::string_view s) {
  WT_ITEM item{};
  item.data = s.data();
  item.size = s.size();
  return item;
}

std::string_view View(const WT_ITEM& item) {
  return std::string_view(static_cast<const char*>(item.data), item.size);
}

// A session and a cursor on the table, used by one thread at a time.
struct Handle {
  WT_SESSION* session = nullptr;
  WT_CURSOR* cursor = nullptr;
};

// The directory of the libwiredtiger.so.0 this process loaded, where Debian
// installs the compression extensions beside it.
absl::StatusOr<std::string> LibraryDirectory() {
  void* lib = dlopen("libwiredtiger.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return absl::NotFoundError("libwiredtiger.so.0 is not loaded");
  struct link_map* map = nullptr;
  const int rc = dlinfo(lib, RTLD_DI_LINKMAP, &map);
  std::string path = rc == 0 && map != nullptr && map->l_name != nullptr ? map->l_name : "";
  dlclose(lib);
  if (path.empty()) return absl::NotFoundError("cannot find the path of libwiredtiger.so.0");
  return std::filesystem::path(path).parent_path().string();
}

// A cursor of its own session in a snapshot transaction.
class WiredTigerIterator final : public EngineIterator {
 public:
  WiredTigerIterator(std::shared_ptr<HandlePool> pool, Handle* handle)
      : pool_(std::move(pool)), h_(handle) {
    status_ = FromWt(h_->session->begin_transaction(h_->session, "isolation=snapshot"),
                     "begin_transaction");
    in_txn_ = status_.ok();
  }

  ~WiredTigerIterator() override {
    h_->cursor->reset(h_->cursor);
    if (in_txn_) h_->session->rollback_transaction(h_->session, nullptr);
    pool_->Release(h_);
  }

  bool Valid() const override { return valid_; }

  void SeekToFirst() override {
    if (!Usable()) return;
    h_->cursor->reset(h_->cursor);
    Settle(h_->cursor->next(h_->cursor), "next");
  }

  void SeekToLast() override {
    if (!Usable()) return;
    h_->cursor->reset(h_->cursor);
    Settle(h_->cursor->prev(h_->cursor), "prev");
  }

  void Seek(std::string_view target) override {
    // Every key sorts at or after the empty one.
    if (target.empty()) return SeekToFirst();
    if (!Usable()) return;
    WT_ITEM k = ToItem(target);
    h_->cursor->set_key(h_->cursor, &k);
    int exact = 0;
    int rc = h_->cursor->search_near(h_->cursor, &exact);
    // search_near may land before the target: step to the first key after it.
    if (rc == 0 && exact < 0) rc = h_->cursor->next(h_->cursor);
    Settle(rc, "search_near");
  }

  void Next() override { Settle(h_->cursor->next(h_->cursor), "next"); }
  void Prev() override { Settle(h_->cursor->prev(h_->cursor), "prev"); }
  std::string_view key() const override { return View(key_); }
  std::string_view value() const override { return View(value_); }
  absl::Status status() const override { return status_; }

 private:
  bool Usable() {
    valid_ = false;
    return status_.ok();
  }

  void Settle(int rc, const char* what) {
    valid_ = false;
    if (rc == 0) {
      rc = h_->cursor->get_key(h_->cursor, &key_);
      if (rc == 0) rc = h_->cursor->get_value(h_->cursor, &value_);
      valid_ = rc == 0;
    }
    if (rc != 0 && rc != WT_NOTFOUND) status_ = FromWt(rc, what);
  }

  std::shared_ptr<HandlePool> pool_;
  Handle* h_;
  bool in_txn_ = false;
  WT_ITEM key_{};
  WT_ITEM value_{};
  bool valid_ = false;
  absl::Status status_;
};

class WiredTigerEngine final : public Engine {
 public:
  ~WiredTigerEngine() override { Close().IgnoreError(); }

  std::string_view name() const override { return "wiredtiger"; }

  std::string Description() const override {
    int major = 0, minor = 0, patch = 0;
    wiredtiger_version(&major, &minor, &patch);
    return absl::StrCat(
        "WiredTiger ", major, ".", minor, ".", patch,
        " (Debian libwiredtiger): an LSM table with bloom filters, log enabled, one "
        "transaction per write; commit durability: transaction_sync=(enabled=true,"
        "method=none), so a commit returns once its log record is written to the OS (no "
        "fsync: it survives a crash of the process, not of the machine); a write that asks "
        "for sync also calls log_flush(sync=on), an fsync of the log");
  }

  absl::Status Open(const std::string& dir, const EngineOptions& options) override {
    if (conn_ != nullptr) return absl::FailedPreconditionError("already open");
    std::error_code ec;
    if (options.must_exist && !std::filesystem::exists(dir + "/WiredTiger", ec)) {
      return absl::NotFoundError(absl::StrCat("no WiredTiger database in ", dir));
    }
    if (!options.must_exist) {
      std::filesystem::create_directories(dir, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
    }
    absl::StatusOr<std::string> conn_config = ConnectionConfig(options);
    if (!conn_config.ok()) return conn_config.status();
    absl::Status s = FromWt(wiredtiger_open(dir.c_str(), nullptr, conn_config->c_str(), &conn_),
                            absl::StrCat("wiredtiger_open ", dir, " (", *conn_config, ")"));
    if (!s.ok()) {
      conn_ = nullptr;
      return s;
    }
    if (!options.must_exist) {
      const std::string table_config = TableConfig(options);
      WT_SESSION* session = nullptr;
      s = FromWt(conn_->open_session(conn_, nullptr, nullptr, &session), "open_session");
      if (s.ok()) {
        s = FromWt(session->create(session, kTable, table_config.c_str()),
                   absl::StrCat("create ", kTable, " (", table_config, ")"));
        session->close(session, nullptr);
      }
      if (!s.ok()) {
        conn_->close(conn_, nullptr);
        conn_ = nullptr;
        return s;
      }
    }
    WT_CONNECTION* conn = conn_;
    sessions_ = HandlePool::Create(
        [conn]() -> absl::StatusOr<void*> {
          auto h = std::make_unique<Handle>();
          absl::Status s =
              FromWt(conn->open_session(conn, nullptr, nullptr, &h->session), "open_session");
          if (!s.ok()) return s;
          s = FromWt(h->session->open_cursor(h->session, kTable, nullptr, nullptr, &h->cursor),
                     "open_cursor");
          if (!s.ok()) {
            h->session->close(h->session, nullptr);
            return s;
          }
          return h.release();
        },
        [](void* p) {
          std::unique_ptr<Handle> h(static_cast<Handle*>(p));
          h->session->close(h->session, nullptr);  // closes its cursor too
        });
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (conn_ == nullptr) return absl::OkStatus();
    sessions_->Close();
    sessions_.reset();
    absl::Status s = FromWt(conn_->close(conn_, nullptr), "close");
    conn_ = nullptr;
    return s;
  }

  absl::Status Put(std::string_view key, std::string_view value, bool sync) override {
    return Write(sync, [&](WT_CURSOR* c) {
      WT_ITEM k = ToItem(key), v = ToItem(value);
      c->set_key(c, &k);
      c->set_value(c, &v);
      return c->insert(c);
    });
  }

  absl::Status Delete(std::string_view key, bool sync) override {
    return Write(sync, [&](WT_CURSOR* c) {
      WT_ITEM k = ToItem(key);
      c->set_key(c, &k);
      const int rc = c->remove(c);
      return rc == WT_NOTFOUND ? 0 : rc;
    });
  }

  absl::Status WritePuts(std::span<const KeyValue> puts, bool sync) override {
    return Write(sync, [&](WT_CURSOR* c) {
      for (const KeyValue& kv : puts) {
        WT_ITEM k = ToItem(kv.key), v = ToItem(kv.value);
        c->set_key(c, &k);
        c->set_value(c, &v);
        if (const int rc = c->insert(c); rc != 0) return rc;
      }
      return 0;
    });
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    absl::StatusOr<Handle*> h = ThisThread();
    if (!h.ok()) return h.status();
    WT_CURSOR* c = (*h)->cursor;
    WT_ITEM k = ToItem(key);
    c->set_key(c, &k);
    int rc = c->search(c);
    if (rc == 0) {
      WT_ITEM v{};
      rc = c->get_value(c, &v);
      if (rc == 0) value->assign(static_cast<const char*>(v.data), v.size);
    }
    c->reset(c);  // unpin the page
    return FromWt(rc, "search");
  }

  std::unique_ptr<EngineIterator> NewIterator() override {
    absl::StatusOr<void*> h = sessions_->Acquire();
    if (!h.ok()) return std::make_unique<FailedIterator>(h.status());
    return std::make_unique<WiredTigerIterator>(sessions_, static_cast<Handle*>(*h));
  }

  // A checkpoint: every dirty page, the in-memory chunk's included, written
  // and synced.
  absl::Status Flush() override {
    absl::StatusOr<Handle*> h = ThisThread();
    if (!h.ok()) return h.status();
    return FromWt((*h)->session->checkpoint((*h)->session, nullptr), "checkpoint");
  }

  // WT_SESSION::compact of an LSM tree flushes every in-memory chunk, then
  // merges the chunks until one is left (or its timeout, 1200 s, passes).
  absl::Status CompactAll() override {
    absl::StatusOr<Handle*> h = ThisThread();
    if (!h.ok()) return h.status();
    return FromWt((*h)->session->compact((*h)->session, kTable, nullptr), "compact");
  }

  // The LSM tree's metadata: its chunks and which have bloom filters.
  std::string Stats() override {
    absl::StatusOr<Handle*> h = ThisThread();
    if (!h.ok()) return "";
    WT_SESSION* session = (*h)->session;
    WT_CURSOR* meta = nullptr;
    if (session->open_cursor(session, "metadata:", nullptr, nullptr, &meta) != 0) return "";
    std::string stats;
    meta->set_key(meta, "lsm:bench");
    const char* value = nullptr;
    if (meta->search(meta) == 0 && meta->get_value(meta, &value) == 0 && value != nullptr) {
      stats = absl::StrCat("wiredtiger lsm:bench metadata: ", value, "\n");
    }
    meta->close(meta);
    return stats;
  }

 private:
  static absl::StatusOr<std::string> ConnectionConfig(const EngineOptions& options) {
    std::string config = options.must_exist ? "" : "create,";
    absl::StrAppend(&config,
                    "log=(enabled=true),transaction_sync=(enabled=true,method=none)");
    if (options.engine_defaults) return config;
    absl::StrAppend(&config, ",cache_size=",
                    options.block_cache_bytes + 2 * options.write_buffer_size,
                    ",lsm_manager=(worker_thread_max=", std::max(3, options.max_background_jobs),
                    ")");
    if (options.compression) {
      absl::StatusOr<std::string> dir = LibraryDirectory();
      if (!dir.ok()) return dir.status();
      const std::string snappy = *dir + "/libwiredtiger_snappy.so";
      std::error_code ec;
      if (!std::filesystem::exists(snappy, ec)) {
        return absl::NotFoundError(absl::StrCat("WiredTiger's snappy extension ", snappy,
                                                " is missing (Debian libwiredtiger0)"));
      }
      absl::StrAppend(&config, ",extensions=[\"", snappy, "\"]");
    }
    return config;
  }

  static std::string TableConfig(const EngineOptions& options) {
    std::string config = "key_format=u,value_format=u,type=lsm,lsm=(";
    const int bits = options.bloom_bits_per_key;
    if (bits <= 0) {
      absl::StrAppend(&config, "bloom=false");
    } else if (options.engine_defaults) {
      absl::StrAppend(&config, "bloom=true,bloom_bit_count=", bits);
    } else {
      const int hashes = std::clamp(static_cast<int>(std::lround(bits * 0.69)), 2, 100);
      absl::StrAppend(&config, "bloom=true,bloom_bit_count=", bits,
                      ",bloom_hash_count=", hashes, ",bloom_oldest=true");
    }
    if (options.engine_defaults) return config + ")";
    absl::StrAppend(&config, ",chunk_size=", options.write_buffer_size, ")");
    const size_t allocation = options.block_size % 4096 == 0 ? 4096 : 512;
    absl::StrAppend(&config, ",allocation_size=", allocation,
                    ",leaf_page_max=", options.block_size,
                    ",block_compressor=", options.compression ? "snappy" : "none");
    return config;
  }

  absl::StatusOr<Handle*> ThisThread() {
    absl::StatusOr<void*> h = sessions_->ForThisThread();
    if (!h.ok()) return h.status();
    return static_cast<Handle*>(*h);
  }

  // One transaction around op(cursor) (a WiredTiger return code), retried
  // when rolled back; then the log synced when asked.
  template <typename Op>
  absl::Status Write(bool sync, Op op) {
    absl::StatusOr<Handle*> h = ThisThread();
    if (!h.ok()) return h.status();
    WT_SESSION* session = (*h)->session;
    WT_CURSOR* c = (*h)->cursor;
    int rc = WT_ROLLBACK;
    for (int attempt = 0; attempt < kMaxAttempts && rc == WT_ROLLBACK; ++attempt) {
      rc = session->begin_transaction(session, nullptr);
      if (rc != 0) break;
      rc = op(c);
      if (rc == 0) {
        rc = session->commit_transaction(session, nullptr);  // rolls back on failure
      } else {
        session->rollback_transaction(session, nullptr);
      }
    }
    c->reset(c);
    absl::Status s = FromWt(rc, "write transaction");
    if (s.ok() && sync) s = FromWt(session->log_flush(session, "sync=on"), "log_flush");
    return s;
  }

  WT_CONNECTION* conn_ = nullptr;
  std::shared_ptr<HandlePool> sessions_;
};

const EngineRegistrar kRegistrar("wiredtiger",
                                 [] { return std::make_unique<WiredTigerEngine>(); });

}  // namespace
}  // namespace bench
}  // namespace lsm
