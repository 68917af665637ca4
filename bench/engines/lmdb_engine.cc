// The LMDB adapter (Debian's liblmdb), registered as "lmdb".
//
// LMDB is a copy-on-write B+tree in one memory-mapped file with a single
// writer at a time: no memtable, no block cache of its own (reads go through
// the OS page cache), no bloom filters, no compression and no compaction. So
// none of the shared shape options has an equivalent, and both modes of the
// comparison run the same configuration:
//
//   - every Put/Delete is one write transaction (WritePuts: one for the batch);
//     writers from several threads queue on LMDB's writer lock;
//   - the environment is opened with MDB_NOSYNC: a commit writes its pages and
//     the meta page to the file (pwrite) but does not flush them, so it
//     survives a crash of the process, not of the machine; a write that asks
//     for sync then calls mdb_env_sync(force), an fdatasync of the file;
//   - MDB_NOTLS, so that read transactions belong to handles, not threads:
//     each thread keeps one reset read transaction (HandlePool) and renews it
//     per Get; an iterator holds its own read transaction (a snapshot);
//   - the map size is kMapSize: address space reserved for the file, which
//     grows only as pages are written (without MDB_WRITEMAP LMDB never
//     extends it to the map size).
//
// compact is not supported: there is nothing to compact in place (the only
// compaction LMDB has, mdb_env_copy2 with MDB_CP_COMPACT, writes a copy).
#include <lmdb.h>

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

// 16 GiB of address space: far more than the 1M-key comparison's database
// (about 200 MiB); MDB_MAP_FULL is reported as ResourceExhausted.
constexpr size_t kMapSize = size_t{16} << 30;

absl::Status FromLmdb(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return absl::OkStatus();
  const std::string message = absl::StrCat(std::string(what), ": ", mdb_strerror(rc));
  switch (rc) {
    case MDB_NOTFOUND:
      return absl::NotFoundError(message);
    case MDB_MAP_FULL:
      return absl::ResourceExhaustedError(message);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      return absl::DataLossError(message);
    case ENOENT:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// A cursor in a read transaction lent by the pool: a snapshot of the tree.
class LmdbIterator final : public EngineIterator {
 public:
  LmdbIterator(std::shared_ptr<HandlePool> pool, MDB_txn* txn, MDB_dbi dbi)
      : pool_(std::move(pool)), txn_(txn) {
    status_ = FromLmdb(mdb_txn_renew(txn_), "mdb_txn_renew");
    if (status_.ok()) status_ = FromLmdb(mdb_cursor_open(txn_, dbi, &cursor_), "mdb_cursor_open");
  }

  ~LmdbIterator() override {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    mdb_txn_reset(txn_);
    pool_->Release(txn_);
  }

  bool Valid() const override { return valid_; }
  void SeekToFirst() override { Move(MDB_FIRST); }
  void SeekToLast() override { Move(MDB_LAST); }
  void Seek(std::string_view target) override {
    // LMDB rejects an empty key; every key sorts at or after it.
    if (target.empty()) return SeekToFirst();
    key_ = ToVal(target);
    Move(MDB_SET_RANGE);
  }
  void Next() override { Move(MDB_NEXT); }
  void Prev() override { Move(MDB_PREV); }
  std::string_view key() const override { return View(key_); }
  std::string_view value() const override { return View(value_); }
  absl::Status status() const override { return status_; }

 private:
  void Move(MDB_cursor_op op) {
    valid_ = false;
    if (cursor_ == nullptr) return;  // status_ says why
    const int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    if (rc == MDB_SUCCESS) {
      valid_ = true;
    } else if (rc != MDB_NOTFOUND) {
      status_ = FromLmdb(rc, "mdb_cursor_get");
    }
  }

  std::shared_ptr<HandlePool> pool_;
  MDB_txn* txn_;
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
  bool valid_ = false;
  absl::Status status_;
};

class LmdbEngine final : public Engine {
 public:
  ~LmdbEngine() override { Close().IgnoreError(); }

  std::string_view name() const override { return "lmdb"; }

  std::string Description() const override {
    int major = 0, minor = 0, patch = 0;
    mdb_version(&major, &minor, &patch);
    return absl::StrCat("LMDB ", major, ".", minor, ".", patch,
                        " (Debian liblmdb): a copy-on-write B+tree with a single writer; one "
                        "write transaction per write, MDB_NOSYNC unless the write asks for sync "
                        "(then mdb_env_sync); no cache, bloom filter or compression of its own, "
                        "so the shared shape does not apply");
  }

  absl::Status Open(const std::string& dir, const EngineOptions& options) override {
    if (env_ != nullptr) return absl::FailedPreconditionError("already open");
    std::error_code ec;
    if (options.must_exist && !std::filesystem::exists(dir + "/data.mdb", ec)) {
      return absl::NotFoundError(absl::StrCat(dir, "/data.mdb does not exist"));
    }
    if (!options.must_exist) {
      std::filesystem::create_directories(dir, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
    }
    absl::Status s = FromLmdb(mdb_env_create(&env_), "mdb_env_create");
    if (s.ok()) s = FromLmdb(mdb_env_set_mapsize(env_, kMapSize), "mdb_env_set_mapsize");
    if (s.ok()) {
      s = FromLmdb(mdb_env_open(env_, dir.c_str(), MDB_NOSYNC | MDB_NOTLS, 0644),
                   absl::StrCat("mdb_env_open ", dir));
    }
    MDB_txn* txn = nullptr;
    if (s.ok()) s = FromLmdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    if (s.ok()) {
      s = FromLmdb(mdb_dbi_open(txn, nullptr, 0, &dbi_), "mdb_dbi_open");
      if (s.ok()) {
        s = FromLmdb(mdb_txn_commit(txn), "mdb_txn_commit");
      } else {
        mdb_txn_abort(txn);
      }
    }
    if (!s.ok()) {
      if (env_ != nullptr) mdb_env_close(env_);
      env_ = nullptr;
      return s;
    }
    MDB_env* env = env_;
    readers_ = HandlePool::Create(
        [env]() -> absl::StatusOr<void*> {
          MDB_txn* txn = nullptr;
          absl::Status s = FromLmdb(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn),
                                    "mdb_txn_begin(MDB_RDONLY)");
          if (!s.ok()) return s;
          mdb_txn_reset(txn);  // handed out reset; renewed per use
          return txn;
        },
        [](void* txn) { mdb_txn_abort(static_cast<MDB_txn*>(txn)); });
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (env_ == nullptr) return absl::OkStatus();
    readers_->Close();
    readers_.reset();
    // Not synced here: MDB_NOSYNC's durability is the benchmark's choice, and
    // mdb_env_close leaves the committed pages to the OS as a crash would.
    mdb_env_close(env_);
    env_ = nullptr;
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value, bool sync) override {
    return Write(sync, [&](MDB_txn* txn) {
      MDB_val k = ToVal(key), v = ToVal(value);
      return FromLmdb(mdb_put(txn, dbi_, &k, &v, 0), "mdb_put");
    });
  }

  absl::Status Delete(std::string_view key, bool sync) override {
    return Write(sync, [&](MDB_txn* txn) {
      MDB_val k = ToVal(key);
      const int rc = mdb_del(txn, dbi_, &k, nullptr);
      return rc == MDB_NOTFOUND ? absl::OkStatus() : FromLmdb(rc, "mdb_del");
    });
  }

  absl::Status WritePuts(std::span<const KeyValue> puts, bool sync) override {
    return Write(sync, [&](MDB_txn* txn) {
      for (const KeyValue& kv : puts) {
        MDB_val k = ToVal(kv.key), v = ToVal(kv.value);
        absl::Status s = FromLmdb(mdb_put(txn, dbi_, &k, &v, 0), "mdb_put");
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    });
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    absl::StatusOr<void*> handle = readers_->ForThisThread();
    if (!handle.ok()) return handle.status();
    MDB_txn* txn = static_cast<MDB_txn*>(*handle);
    absl::Status s = FromLmdb(mdb_txn_renew(txn), "mdb_txn_renew");
    if (!s.ok()) return s;
    MDB_val k = ToVal(key), v;
    const int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == MDB_SUCCESS) value->assign(static_cast<const char*>(v.mv_data), v.mv_size);
    mdb_txn_reset(txn);
    return FromLmdb(rc, "mdb_get");
  }

  std::unique_ptr<EngineIterator> NewIterator() override {
    absl::StatusOr<void*> txn = readers_->Acquire();
    if (!txn.ok()) return std::make_unique<FailedIterator>(txn.status());
    return std::make_unique<LmdbIterator>(readers_, static_cast<MDB_txn*>(*txn), dbi_);
  }

  // No memtable to write out: Flush makes every commit durable instead.
  absl::Status Flush() override { return FromLmdb(mdb_env_sync(env_, 1), "mdb_env_sync"); }

  absl::Status CompactAll() override {
    return absl::UnimplementedError(
        "LMDB is a B+tree updated in place: there is no compaction to run (mdb_env_copy2 "
        "with MDB_CP_COMPACT only writes a compacted copy to another file)");
  }

  std::string Stats() override {
    MDB_stat st;
    MDB_envinfo info;
    if (mdb_env_stat(env_, &st) != MDB_SUCCESS || mdb_env_info(env_, &info) != MDB_SUCCESS) {
      return "";
    }
    return absl::StrCat("lmdb: page size ", st.ms_psize, ", tree depth ", st.ms_depth,
                        ", branch pages ", st.ms_branch_pages, ", leaf pages ",
                        st.ms_leaf_pages, ", overflow pages ", st.ms_overflow_pages, ", entries ",
                        st.ms_entries, ", pages used ", info.me_last_pgno + 1, ", map size ",
                        info.me_mapsize, ", last transaction ", info.me_last_txnid,
                        ", readers ", info.me_numreaders, " of ", info.me_maxreaders, "\n");
  }

 private:
  // One write transaction around fill(txn); committed when fill succeeds,
  // then synced when asked.
  template <typename Fill>
  absl::Status Write(bool sync, Fill fill) {
    MDB_txn* txn = nullptr;
    absl::Status s = FromLmdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    if (!s.ok()) return s;
    s = fill(txn);
    if (!s.ok()) {
      mdb_txn_abort(txn);
      return s;
    }
    s = FromLmdb(mdb_txn_commit(txn), "mdb_txn_commit");
    if (s.ok() && sync) s = FromLmdb(mdb_env_sync(env_, 1), "mdb_env_sync");
    return s;
  }

  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  std::shared_ptr<HandlePool> readers_;
};

const EngineRegistrar kRegistrar("lmdb", [] { return std::make_unique<LmdbEngine>(); });

}  // namespace
}  // namespace bench
}  // namespace lsm
