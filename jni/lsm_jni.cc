// liblsmjni.so: the native methods of io.lsmstore.NativeMethods.
//
// Handles: every engine object the Java side owns is reached through a jlong
// that is a pointer to one of the holder structs below, created here and
// deleted here (by the matching close/release native). The Java side
// guarantees a handle is never used after, or concurrently with, its release
// (see java/io/lsmstore/NativeResource.java); the checks for a zero handle
// here are a second line of defence.
//
// Errors: a non-OK absl::Status becomes io.lsmstore.LsmException(code,
// message). Every native method body runs inside jni::Boundary, so no C++
// exception unwinds into the JVM. Engine preconditions (REQUIRES) are checked
// before each call, so none can abort the process.
//
// Binding: natives are bound by RegisterNatives from JNI_OnLoad, never by
// Java_... symbol names, so a relocated (shaded) copy of the Java package still
// links. The class to bind is named by the system property
// "lsmstore.jni.class" (the Java loader sets it to the runtime name of its
// NativeMethods class just before loading), defaulting to
// io.lsmstore.NativeMethods. Only JNI_OnLoad and JNI_OnUnload are exported.
//
// Thread safety: stateless apart from the class cache written by JNI_OnLoad;
// the engine's DB is thread-safe, and the Java side serialises the calls on
// one iterator.
#include <jni.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jni/jni_support.h"
#include "lsm/db.h"
#include "lsm/iterator.h"
#include "lsm/options.h"
#include "lsm/snapshot.h"
#include "lsm/statistics.h"
#include "lsm/status.h"
#include "lsm/write_batch.h"

namespace lsm {
namespace jni {
namespace {

// Bumped whenever a native signature or the encoding of an argument changes;
// the Java loader refuses a library whose version differs from its own.
constexpr jint kAbiVersion = 6;

// Positions in the long[] that carries lsm::Options (Options.toNativeArray in
// Java writes the same layout).
enum OptionIndex {
  kCreateIfMissing = 0,
  kErrorIfExists,
  kParanoidChecks,
  kWalRecovery,
  kWriteBufferSize,
  kBlockSize,
  kBlockRestartInterval,
  kBloomBitsPerKey,
  kCompression,
  kBlockCacheCapacity,
  kMaxOpenFiles,
  kMaxBackgroundJobs,
  kTargetFileSize,
  kMaxBytesForLevelBase,
  kLevelSizeMultiplier,
  kLevel0CompactionTrigger,
  kLevel0SlowdownWritesTrigger,
  kLevel0StopWritesTrigger,
  kMaxWriteBufferNumber,
  kMaxManifestFileSize,
  kMemoryBudget,
  kAllowMmapReads,
  kWalMmapWrites,
  kMemTableStructure,
  kOptionCount,
};

// Bits of the readFlags argument (ReadOptions.nativeFlags in Java).
constexpr jint kReadVerifyChecksums = 1;
constexpr jint kReadFillCache = 2;

struct StoreHolder {
  std::unique_ptr<DB> db;
};

// Shared so that an iterator opened on a snapshot keeps it alive after the
// Java Snapshot is closed; the deleter releases it from the DB. The Java side
// destroys every holder of a store before the store itself.
struct SnapshotHolder {
  std::shared_ptr<const Snapshot> snapshot;
};

struct IteratorHolder {
  // Declared before `iterator`, so destroyed after it.
  std::shared_ptr<const Snapshot> snapshot;
  ReadOptions options;
  std::unique_ptr<Iterator> iterator;
};

StoreHolder* Store(JNIEnv* env, jlong handle) {
  if (handle == 0) {
    ThrowIllegalState(env, "LsmStore is closed");
    return nullptr;
  }
  return reinterpret_cast<StoreHolder*>(handle);
}

IteratorHolder* Iter(JNIEnv* env, jlong handle) {
  if (handle == 0) {
    ThrowIllegalState(env, "LsmIterator is closed");
    return nullptr;
  }
  return reinterpret_cast<IteratorHolder*>(handle);
}

// A positioned iterator, or nullptr with IllegalStateException pending.
IteratorHolder* ValidIter(JNIEnv* env, jlong handle) {
  IteratorHolder* h = Iter(env, handle);
  if (h == nullptr) return nullptr;
  if (!h->iterator->Valid()) {
    ThrowIllegalState(env, "LsmIterator is not positioned at an entry");
    return nullptr;
  }
  return h;
}

ReadOptions MakeReadOptions(jlong snapshot_handle, jint flags) {
  ReadOptions ro;
  ro.verify_checksums = (flags & kReadVerifyChecksums) != 0;
  ro.fill_cache = (flags & kReadFillCache) != 0;
  if (snapshot_handle != 0) {
    ro.snapshot = reinterpret_cast<SnapshotHolder*>(snapshot_handle)->snapshot.get();
  }
  return ro;
}

WriteOptions MakeWriteOptions(jboolean sync) {
  WriteOptions wo;
  wo.sync = sync == JNI_TRUE;
  return wo;
}

// Per-thread scratch for copied keys and values, so steady-state calls do not
// allocate. Shrunk after an outsized use so an idle thread does not pin a
// large buffer.
struct Scratch {
  std::string key;
  std::string value;
  std::string out;
  void Trim() {
    constexpr size_t kKeep = 64 << 10;
    for (std::string* s : {&key, &value, &out}) {
      if (s->capacity() > kKeep) {
        s->clear();
        s->shrink_to_fit();
      }
    }
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Keeps the scratch of the calling thread small once the call is over.
class ScratchTrimmer {
 public:
  ScratchTrimmer() : scratch_(ThreadScratch()) {}
  ~ScratchTrimmer() { scratch_.Trim(); }
  Scratch& scratch() { return scratch_; }

 private:
  Scratch& scratch_;
};

// A primitive array pinned with GetPrimitiveArrayCritical for the lifetime of
// this object (released with JNI_ABORT: the bytes are only read). No JNI call
// may be made while one is alive.
class CriticalBytes {
 public:
  CriticalBytes(JNIEnv* env, jbyteArray array)
      : env_(env), array_(array), data_(env->GetPrimitiveArrayCritical(array, nullptr)) {}
  ~CriticalBytes() {
    if (data_ != nullptr) env_->ReleasePrimitiveArrayCritical(array_, data_, JNI_ABORT);
  }
  CriticalBytes(const CriticalBytes&) = delete;
  CriticalBytes& operator=(const CriticalBytes&) = delete;
  const char* data() const { return static_cast<const char*>(data_); }

 private:
  JNIEnv* env_;
  jbyteArray array_;
  void* data_;
};

bool OptionsFromArray(JNIEnv* env, jlongArray array, Options* out) {
  if (array == nullptr) {
    ThrowNullPointer(env, "options are null");
    return false;
  }
  if (env->GetArrayLength(array) != kOptionCount) {
    ThrowIllegalArgument(env, "options array has the wrong length (jar and library differ?)");
    return false;
  }
  jlong v[kOptionCount];
  env->GetLongArrayRegion(array, 0, kOptionCount, v);
  if (env->ExceptionCheck()) return false;

  for (int i = 0; i < kOptionCount; ++i) {
    if (v[i] < 0) {
      ThrowStatus(env, absl::InvalidArgumentError("negative option value at index " +
                                                  std::to_string(i)));
      return false;
    }
  }
  constexpr jlong kIntMax = INT32_MAX;
  for (int i : {kBlockRestartInterval, kBloomBitsPerKey, kMaxOpenFiles, kMaxBackgroundJobs,
                kLevelSizeMultiplier, kLevel0CompactionTrigger, kLevel0SlowdownWritesTrigger,
                kLevel0StopWritesTrigger, kMaxWriteBufferNumber}) {
    if (v[i] > kIntMax) {
      ThrowStatus(env, absl::InvalidArgumentError("option value at index " + std::to_string(i) +
                                                  " does not fit an int"));
      return false;
    }
  }
  if (v[kCompression] > 2) {
    ThrowStatus(env, absl::InvalidArgumentError("unknown compression"));
    return false;
  }
  if (v[kWalRecovery] > 3) {
    ThrowStatus(env, absl::InvalidArgumentError("unknown WAL recovery mode"));
    return false;
  }
  if (v[kMemTableStructure] > 1) {
    ThrowStatus(env, absl::InvalidArgumentError("unknown memtable structure"));
    return false;
  }

  Options o;
  o.create_if_missing = v[kCreateIfMissing] != 0;
  o.error_if_exists = v[kErrorIfExists] != 0;
  o.paranoid_checks = v[kParanoidChecks] != 0;
  switch (v[kWalRecovery]) {
    case 0:
      o.wal_recovery = WalRecoveryMode::kTolerateCorruptedTailRecords;
      break;
    case 1:
      o.wal_recovery = WalRecoveryMode::kAbsoluteConsistency;
      break;
    case 2:
      o.wal_recovery = WalRecoveryMode::kPointInTime;
      break;
    default:
      o.wal_recovery = WalRecoveryMode::kSkipAnyCorruptedRecords;
      break;
  }
  o.write_buffer_size = static_cast<size_t>(v[kWriteBufferSize]);
  o.block_size = static_cast<size_t>(v[kBlockSize]);
  o.block_restart_interval = static_cast<int>(v[kBlockRestartInterval]);
  o.bloom_bits_per_key = static_cast<int>(v[kBloomBitsPerKey]);
  o.compression = static_cast<Compression>(v[kCompression]);
  o.block_cache_capacity = static_cast<size_t>(v[kBlockCacheCapacity]);
  o.max_open_files = static_cast<int>(v[kMaxOpenFiles]);
  o.max_background_jobs = static_cast<int>(v[kMaxBackgroundJobs]);
  o.target_file_size = static_cast<size_t>(v[kTargetFileSize]);
  o.max_bytes_for_level_base = static_cast<uint64_t>(v[kMaxBytesForLevelBase]);
  o.level_size_multiplier = static_cast<int>(v[kLevelSizeMultiplier]);
  o.level0_compaction_trigger = static_cast<int>(v[kLevel0CompactionTrigger]);
  o.level0_slowdown_writes_trigger = static_cast<int>(v[kLevel0SlowdownWritesTrigger]);
  o.level0_stop_writes_trigger = static_cast<int>(v[kLevel0StopWritesTrigger]);
  o.max_write_buffer_number = static_cast<int>(v[kMaxWriteBufferNumber]);
  o.max_manifest_file_size = static_cast<uint64_t>(v[kMaxManifestFileSize]);
  o.memory_budget = static_cast<size_t>(v[kMemoryBudget]);
  o.allow_mmap_reads = v[kAllowMmapReads] != 0;
  o.wal_mmap_writes = v[kWalMmapWrites] != 0;
  o.memtable_structure =
      v[kMemTableStructure] == 0 ? MemTableStructure::kBTree : MemTableStructure::kSkipList;
  *out = o;
  return true;
}

// lsm::Options' defaults in the layout ParseOptions reads, so the Java side
// can check that its own defaults are the same.
jlongArray DefaultOptions(JNIEnv* env, jclass) {
  return Boundary(env, static_cast<jlongArray>(nullptr), [&]() -> jlongArray {
    const Options o;
    jlong v[kOptionCount];
    v[kCreateIfMissing] = o.create_if_missing;
    v[kErrorIfExists] = o.error_if_exists;
    v[kParanoidChecks] = o.paranoid_checks;
    switch (o.wal_recovery) {
      case WalRecoveryMode::kTolerateCorruptedTailRecords:
        v[kWalRecovery] = 0;
        break;
      case WalRecoveryMode::kAbsoluteConsistency:
        v[kWalRecovery] = 1;
        break;
      case WalRecoveryMode::kPointInTime:
        v[kWalRecovery] = 2;
        break;
      case WalRecoveryMode::kSkipAnyCorruptedRecords:
        v[kWalRecovery] = 3;
        break;
    }
    v[kWriteBufferSize] = static_cast<jlong>(o.write_buffer_size);
    v[kBlockSize] = static_cast<jlong>(o.block_size);
    v[kBlockRestartInterval] = o.block_restart_interval;
    v[kBloomBitsPerKey] = o.bloom_bits_per_key;
    v[kCompression] = static_cast<jlong>(o.compression);
    v[kBlockCacheCapacity] = static_cast<jlong>(o.block_cache_capacity);
    v[kMaxOpenFiles] = o.max_open_files;
    v[kMaxBackgroundJobs] = o.max_background_jobs;
    v[kTargetFileSize] = static_cast<jlong>(o.target_file_size);
    v[kMaxBytesForLevelBase] = static_cast<jlong>(o.max_bytes_for_level_base);
    v[kLevelSizeMultiplier] = o.level_size_multiplier;
    v[kLevel0CompactionTrigger] = o.level0_compaction_trigger;
    v[kLevel0SlowdownWritesTrigger] = o.level0_slowdown_writes_trigger;
    v[kLevel0StopWritesTrigger] = o.level0_stop_writes_trigger;
    v[kMaxWriteBufferNumber] = o.max_write_buffer_number;
    v[kMaxManifestFileSize] = static_cast<jlong>(o.max_manifest_file_size);
    v[kMemoryBudget] = static_cast<jlong>(o.memory_budget);
    v[kAllowMmapReads] = o.allow_mmap_reads;
    v[kWalMmapWrites] = o.wal_mmap_writes;
    v[kMemTableStructure] = o.memtable_structure == MemTableStructure::kBTree ? 0 : 1;
    jlongArray result = env->NewLongArray(kOptionCount);
    if (result == nullptr) return nullptr;
    env->SetLongArrayRegion(result, 0, kOptionCount, v);
    return result;
  });
}

// A path passed as bytes in the platform's file name encoding.
bool PathFromArray(JNIEnv* env, jbyteArray path, std::string* out) {
  if (!CopyWholeArray(env, path, out)) return false;
  if (out->empty() || out->find('\0') != std::string::npos) {
    ThrowIllegalArgument(env, "path is empty or contains a NUL byte");
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------

jint AbiVersion(JNIEnv*, jclass) { return kAbiVersion; }

jlong Open(JNIEnv* env, jclass, jbyteArray jpath, jlongArray joptions) {
  return Boundary(env, jlong{0}, [&]() -> jlong {
    std::string path;
    Options options;
    if (!PathFromArray(env, jpath, &path) || !OptionsFromArray(env, joptions, &options)) return 0;
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(options, path);
    if (!db.ok()) {
      ThrowStatus(env, db.status());
      return 0;
    }
    auto holder = std::make_unique<StoreHolder>();
    holder->db = std::move(*db);
    return reinterpret_cast<jlong>(holder.release());
  });
}

void CloseStore(JNIEnv* env, jclass, jlong handle) {
  BoundaryVoid(env, [&] { delete reinterpret_cast<StoreHolder*>(handle); });
}

void Destroy(JNIEnv* env, jclass, jbyteArray jpath, jlongArray joptions) {
  BoundaryVoid(env, [&] {
    std::string path;
    Options options;
    if (!PathFromArray(env, jpath, &path) || !OptionsFromArray(env, joptions, &options)) return;
    absl::Status s = DestroyDB(path, options);
    if (!s.ok()) ThrowStatus(env, s);
  });
}

void Put(JNIEnv* env, jclass, jlong handle, jboolean sync, jbyteArray jkey, jint key_off,
         jint key_len, jbyteArray jvalue, jint value_off, jint value_len) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!CopyArrayRegion(env, jkey, key_off, key_len, &s.key) ||
        !CopyArrayRegion(env, jvalue, value_off, value_len, &s.value)) {
      return;
    }
    absl::Status st = h->db->Put(MakeWriteOptions(sync), s.key, s.value);
    if (!st.ok()) ThrowStatus(env, st);
  });
}

void PutDirect(JNIEnv* env, jclass, jlong handle, jboolean sync, jobject jkey, jint key_pos,
               jint key_len, jobject jvalue, jint value_pos, jint value_len) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    DirectRange key = GetDirectRange(env, jkey, key_pos, key_len);
    if (!key.ok) return;
    DirectRange value = GetDirectRange(env, jvalue, value_pos, value_len);
    if (!value.ok) return;
    absl::Status st = h->db->Put(MakeWriteOptions(sync), std::string_view(key.data, key.size),
                                 std::string_view(value.data, value.size));
    if (!st.ok()) ThrowStatus(env, st);
  });
}

void Delete(JNIEnv* env, jclass, jlong handle, jboolean sync, jbyteArray jkey, jint key_off,
            jint key_len) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!CopyArrayRegion(env, jkey, key_off, key_len, &s.key)) return;
    absl::Status st = h->db->Delete(MakeWriteOptions(sync), s.key);
    if (!st.ok()) ThrowStatus(env, st);
  });
}

void DeleteDirect(JNIEnv* env, jclass, jlong handle, jboolean sync, jobject jkey, jint key_pos,
                  jint key_len) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    DirectRange key = GetDirectRange(env, jkey, key_pos, key_len);
    if (!key.ok) return;
    absl::Status st = h->db->Delete(MakeWriteOptions(sync), std::string_view(key.data, key.size));
    if (!st.ok()) ThrowStatus(env, st);
  });
}

void DeleteRange(JNIEnv* env, jclass, jlong handle, jboolean sync, jbyteArray jfrom,
                 jbyteArray jto) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!CopyWholeArray(env, jfrom, &s.key) || !CopyWholeArray(env, jto, &s.value)) return;
    absl::Status st = h->db->DeleteRange(MakeWriteOptions(sync), s.key, s.value);
    if (!st.ok()) ThrowStatus(env, st);
  });
}

// `rep` holds `length` bytes of an encoded batch (write_batch.h) built by the
// Java WriteBatch; one JNI call per batch, whatever its size. The array is
// pinned (GetPrimitiveArrayCritical) only while WriteBatch::SetContents
// validates and copies it, so the bytes are copied once, straight from the Java
// heap into the engine's batch; no JNI call is made while it is pinned. A
// batch changed by another thread meanwhile (a misuse: WriteBatch is not
// thread-safe) cannot corrupt memory: DB::Write parses the copy again and
// refuses a malformed one.
void Write(JNIEnv* env, jclass, jlong handle, jboolean sync, jbyteArray rep, jint length) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    if (rep == nullptr) {
      ThrowNullPointer(env, "write batch is null");
      return;
    }
    if (length < 0 || length > env->GetArrayLength(rep)) {
      ThrowIllegalArgument(env, "write batch length outside its array");
      return;
    }
    WriteBatch batch;
    absl::Status st;
    {
      CriticalBytes pinned(env, rep);
      if (pinned.data() == nullptr) return;  // OutOfMemoryError pending
      st = batch.SetContents(std::string_view(pinned.data(), static_cast<size_t>(length)));
    }  // released here, also when SetContents throws (bad_alloc), before Boundary throws
    if (!st.ok()) {
      ThrowStatus(env, absl::InvalidArgumentError("malformed write batch: " +
                                                  std::string(st.message())));
      return;
    }
    st = h->db->Write(MakeWriteOptions(sync), &batch);
    if (!st.ok()) ThrowStatus(env, st);
  });
}

// Looks `key` up; true with *value set when found, false when absent (no
// exception) or on error (exception pending).
bool Lookup(JNIEnv* env, StoreHolder* h, jlong snapshot, jint flags, std::string_view key,
            std::string* value) {
  absl::Status st = h->db->Get(MakeReadOptions(snapshot, flags), key, value);
  if (st.ok()) return true;
  if (!absl::IsNotFound(st)) ThrowStatus(env, st);
  return false;
}

jbyteArray Get(JNIEnv* env, jclass, jlong handle, jlong snapshot, jint flags, jbyteArray jkey,
               jint key_off, jint key_len) {
  return Boundary(env, static_cast<jbyteArray>(nullptr), [&]() -> jbyteArray {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return nullptr;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!CopyArrayRegion(env, jkey, key_off, key_len, &s.key)) return nullptr;
    if (!Lookup(env, h, snapshot, flags, s.key, &s.out)) return nullptr;
    return NewByteArray(env, s.out);
  });
}

jint GetInto(JNIEnv* env, jclass, jlong handle, jlong snapshot, jint flags, jbyteArray jkey,
             jint key_off, jint key_len, jbyteArray out, jint out_off, jint out_len) {
  return Boundary(env, jint{-1}, [&]() -> jint {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return -1;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!CopyArrayRegion(env, jkey, key_off, key_len, &s.key)) return -1;
    if (!Lookup(env, h, snapshot, flags, s.key, &s.out)) return -1;
    if (s.out.size() > static_cast<size_t>(INT32_MAX)) {
      ThrowStatus(env, absl::OutOfRangeError("value does not fit a Java array"));
      return -1;
    }
    if (!CopyIntoArray(env, s.out, out, out_off, out_len)) return -1;
    return static_cast<jint>(s.out.size());
  });
}

jint GetDirect(JNIEnv* env, jclass, jlong handle, jlong snapshot, jint flags, jobject jkey,
               jint key_pos, jint key_len, jobject jvalue, jint value_pos, jint value_cap) {
  return Boundary(env, jint{-1}, [&]() -> jint {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return -1;
    DirectRange key = GetDirectRange(env, jkey, key_pos, key_len);
    if (!key.ok) return -1;
    DirectRange out = GetDirectRange(env, jvalue, value_pos, value_cap);
    if (!out.ok) return -1;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!Lookup(env, h, snapshot, flags, std::string_view(key.data, key.size), &s.out)) return -1;
    if (s.out.size() > static_cast<size_t>(INT32_MAX)) {
      ThrowStatus(env, absl::OutOfRangeError("value does not fit a Java buffer"));
      return -1;
    }
    const size_t n = s.out.size() < out.size ? s.out.size() : out.size;
    if (n > 0) std::memcpy(out.data, s.out.data(), n);
    return static_cast<jint>(s.out.size());
  });
}

// ---------------------------------------------------------------------------
// Scratch paths: the key (and value) sit in the calling thread's direct buffer
// (java/io/lsmstore/Scratch.java), passed as an address and lengths, so these
// calls make no JNI callback at all. The Java side passes its own buffer's
// address and capacity; the lengths are checked against that capacity here.
// ---------------------------------------------------------------------------

jlong BufferAddress(JNIEnv* env, jclass, jobject buffer) {
  return Boundary(env, jlong{0}, [&]() -> jlong {
    DirectRange r = GetDirectRange(env, buffer, 0, 0);
    if (!r.ok) return 0;
    return reinterpret_cast<jlong>(r.data);
  });
}

// Whether [0, a + b) lies within a scratch buffer of `capacity` bytes at
// `address`; IllegalArgumentException pending when not.
bool ScratchFits(JNIEnv* env, jlong address, jint a, jint b, jint capacity) {
  if (address == 0 || a < 0 || b < 0 || capacity < 0 ||
      static_cast<jlong>(a) + b > capacity) {
    ThrowIllegalArgument(env, "scratch range outside its buffer");
    return false;
  }
  return true;
}

void PutScratch(JNIEnv* env, jclass, jlong handle, jboolean sync, jlong address, jint key_len,
                jint value_len, jint capacity) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr || !ScratchFits(env, address, key_len, value_len, capacity)) return;
    const char* base = reinterpret_cast<const char*>(address);
    absl::Status st = h->db->Put(MakeWriteOptions(sync), std::string_view(base, key_len),
                                 std::string_view(base + key_len, value_len));
    if (!st.ok()) ThrowStatus(env, st);
  });
}

void DeleteScratch(JNIEnv* env, jclass, jlong handle, jboolean sync, jlong address, jint key_len,
                   jint capacity) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr || !ScratchFits(env, address, key_len, 0, capacity)) return;
    absl::Status st = h->db->Delete(
        MakeWriteOptions(sync), std::string_view(reinterpret_cast<const char*>(address), key_len));
    if (!st.ok()) ThrowStatus(env, st);
  });
}

// Looks up the key at `address`; copies the first min(length, capacity) bytes
// of the value over the buffer (the key is no longer needed) and returns the
// value's full length, or -1 when absent.
jint GetScratch(JNIEnv* env, jclass, jlong handle, jlong snapshot, jint flags, jlong address,
                jint key_len, jint capacity) {
  return Boundary(env, jint{-1}, [&]() -> jint {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr || !ScratchFits(env, address, key_len, 0, capacity)) return -1;
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    char* base = reinterpret_cast<char*>(address);
    if (!Lookup(env, h, snapshot, flags, std::string_view(base, key_len), &s.out)) return -1;
    if (s.out.size() > static_cast<size_t>(INT32_MAX)) {
      ThrowStatus(env, absl::OutOfRangeError("value does not fit a Java array"));
      return -1;
    }
    const size_t n = std::min(s.out.size(), static_cast<size_t>(capacity));
    if (n > 0) std::memcpy(base, s.out.data(), n);
    return static_cast<jint>(s.out.size());
  });
}

jlong GetSnapshot(JNIEnv* env, jclass, jlong handle) {
  return Boundary(env, jlong{0}, [&]() -> jlong {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return 0;
    DB* db = h->db.get();
    const Snapshot* raw = db->GetSnapshot();
    if (raw == nullptr) {
      ThrowStatus(env, absl::InternalError("the engine returned no snapshot"));
      return 0;
    }
    auto holder = std::make_unique<SnapshotHolder>();
    holder->snapshot =
        std::shared_ptr<const Snapshot>(raw, [db](const Snapshot* s) { db->ReleaseSnapshot(s); });
    return reinterpret_cast<jlong>(holder.release());
  });
}

jlong SnapshotSequence(JNIEnv* env, jclass, jlong handle) {
  return Boundary(env, jlong{-1}, [&]() -> jlong {
    if (handle == 0) {
      ThrowIllegalState(env, "Snapshot is closed");
      return -1;
    }
    return static_cast<jlong>(reinterpret_cast<SnapshotHolder*>(handle)->snapshot->sequence());
  });
}

void ReleaseSnapshot(JNIEnv* env, jclass, jlong handle) {
  BoundaryVoid(env, [&] { delete reinterpret_cast<SnapshotHolder*>(handle); });
}

void Flush(JNIEnv* env, jclass, jlong handle) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    absl::Status st = h->db->Flush();
    if (!st.ok()) ThrowStatus(env, st);
  });
}

// Makes every write acknowledged before the call durable: one fdatasync of the
// WAL, queued with the writes (DB::SyncWAL).
void SyncWal(JNIEnv* env, jclass, jlong handle) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    absl::Status st = h->db->SyncWAL();
    if (!st.ok()) ThrowStatus(env, st);
  });
}

void CompactRange(JNIEnv* env, jclass, jlong handle, jbyteArray jfrom, jbyteArray jto) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    std::string from, to;
    std::string_view from_view, to_view;
    if (jfrom != nullptr) {
      if (!CopyWholeArray(env, jfrom, &from)) return;
      from_view = from;
    }
    if (jto != nullptr) {
      if (!CopyWholeArray(env, jto, &to)) return;
      to_view = to;
    }
    absl::Status st = h->db->CompactRange(jfrom != nullptr ? &from_view : nullptr,
                                          jto != nullptr ? &to_view : nullptr);
    if (!st.ok()) ThrowStatus(env, st);
  });
}

jbyteArray Property(JNIEnv* env, jclass, jlong handle, jbyteArray jname) {
  return Boundary(env, static_cast<jbyteArray>(nullptr), [&]() -> jbyteArray {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return nullptr;
    std::string name;
    if (!CopyWholeArray(env, jname, &name)) return nullptr;
    std::optional<std::string> value = h->db->GetProperty(name);
    if (!value.has_value()) return nullptr;
    return NewByteArray(env, *value);
  });
}

// Values of keys (a byte[][]; no element null), as of one sequence number: a
// byte[][] of the same length, null where a key is absent.
jobjectArray MultiGet(JNIEnv* env, jclass, jlong handle, jlong snapshot, jint flags,
                      jobjectArray jkeys) {
  return Boundary(env, static_cast<jobjectArray>(nullptr), [&]() -> jobjectArray {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return nullptr;
    const jsize n = env->GetArrayLength(jkeys);
    std::vector<std::string> keys(static_cast<size_t>(n));
    for (jsize i = 0; i < n; ++i) {
      auto jkey = static_cast<jbyteArray>(env->GetObjectArrayElement(jkeys, i));
      if (jkey == nullptr) {
        if (!env->ExceptionCheck()) ThrowNullPointer(env, "multiGet: a key is null");
        return nullptr;
      }
      const bool copied = CopyWholeArray(env, jkey, &keys[static_cast<size_t>(i)]);
      env->DeleteLocalRef(jkey);
      if (!copied) return nullptr;
    }
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    std::vector<absl::StatusOr<std::string>> values =
        h->db->MultiGet(MakeReadOptions(snapshot, flags), views);
    jclass byte_array = env->FindClass("[B");
    if (byte_array == nullptr) return nullptr;
    jobjectArray result = env->NewObjectArray(n, byte_array, nullptr);
    env->DeleteLocalRef(byte_array);
    if (result == nullptr) return nullptr;
    for (jsize i = 0; i < n; ++i) {
      const absl::StatusOr<std::string>& v = values[static_cast<size_t>(i)];
      if (absl::IsNotFound(v.status())) continue;
      if (!v.ok()) {
        ThrowStatus(env, v.status());
        return nullptr;
      }
      jbyteArray value = NewByteArray(env, *v);
      if (value == nullptr) return nullptr;
      env->SetObjectArrayElement(result, i, value);
      env->DeleteLocalRef(value);
    }
    return result;
  });
}

void Checkpoint(JNIEnv* env, jclass, jlong handle, jbyteArray jdir) {
  BoundaryVoid(env, [&] {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return;
    std::string dir;
    if (!CopyWholeArray(env, jdir, &dir)) return;
    absl::Status st = h->db->CreateCheckpoint(dir);
    if (!st.ok()) ThrowStatus(env, st);
  });
}

jlong ApproximateSize(JNIEnv* env, jclass, jlong handle, jbyteArray jfrom, jbyteArray jto) {
  return Boundary(env, jlong{-1}, [&]() -> jlong {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return -1;
    std::string from, to;
    if (!CopyWholeArray(env, jfrom, &from) || !CopyWholeArray(env, jto, &to)) return -1;
    absl::StatusOr<uint64_t> bytes = h->db->GetApproximateSize(from, to);
    if (!bytes.ok()) {
      ThrowStatus(env, bytes.status());
      return -1;
    }
    return static_cast<jlong>(std::min<uint64_t>(*bytes, INT64_MAX));
  });
}

// GetStatistics as a long[]: the counters in the order of Statistics.java's
// fields, then for the Get, write and seek latencies: count, mean, p50, p99,
// p99.9 and max in nanoseconds.
jlongArray GetStatistics(JNIEnv* env, jclass, jlong handle) {
  return Boundary(env, static_cast<jlongArray>(nullptr), [&]() -> jlongArray {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return nullptr;
    const Statistics st = h->db->GetStatistics();
    std::vector<jlong> v = {
        static_cast<jlong>(st.gets),
        static_cast<jlong>(st.gets_found),
        static_cast<jlong>(st.bytes_read),
        static_cast<jlong>(st.block_cache_hits),
        static_cast<jlong>(st.block_cache_misses),
        static_cast<jlong>(st.bloom_checks),
        static_cast<jlong>(st.bloom_useful),
        static_cast<jlong>(st.writes),
        static_cast<jlong>(st.write_groups),
        static_cast<jlong>(st.wal_syncs),
        static_cast<jlong>(st.bytes_written),
        static_cast<jlong>(st.flushes),
        static_cast<jlong>(st.flush_bytes_written),
        static_cast<jlong>(st.compactions),
        static_cast<jlong>(st.compaction_bytes_read),
        static_cast<jlong>(st.compaction_bytes_written),
        static_cast<jlong>(st.stall_micros),
        static_cast<jlong>(st.block_cache_not_admitted),
    };
    for (const LatencySummary& l : {st.get_micros, st.write_micros, st.seek_micros}) {
      v.push_back(static_cast<jlong>(l.count));
      for (double micros : {l.mean, l.p50, l.p99, l.p999, l.max}) {
        v.push_back(static_cast<jlong>(micros * 1000.0 + 0.5));
      }
    }
    jlongArray result = env->NewLongArray(static_cast<jsize>(v.size()));
    if (result == nullptr) return nullptr;
    env->SetLongArrayRegion(result, 0, static_cast<jsize>(v.size()), v.data());
    return result;
  });
}

// ---------------------------------------------------------------------------
// Iterator
// ---------------------------------------------------------------------------

jlong NewIterator(JNIEnv* env, jclass, jlong handle, jlong snapshot, jint flags, jbyteArray lower,
                  jbyteArray upper) {
  return Boundary(env, jlong{0}, [&]() -> jlong {
    StoreHolder* h = Store(env, handle);
    if (h == nullptr) return 0;
    auto holder = std::make_unique<IteratorHolder>();
    holder->options = MakeReadOptions(0, flags);
    if (snapshot != 0) {
      holder->snapshot = reinterpret_cast<SnapshotHolder*>(snapshot)->snapshot;
      holder->options.snapshot = holder->snapshot.get();
    }
    std::string bound;
    if (lower != nullptr) {
      if (!CopyWholeArray(env, lower, &bound)) return 0;
      holder->options.lower_bound = bound;
    }
    if (upper != nullptr) {
      if (!CopyWholeArray(env, upper, &bound)) return 0;
      holder->options.upper_bound = bound;
    }
    holder->iterator = h->db->NewIterator(holder->options);
    if (holder->iterator == nullptr) {
      ThrowStatus(env, absl::InternalError("the engine returned no iterator"));
      return 0;
    }
    return reinterpret_cast<jlong>(holder.release());
  });
}

// After a move: whether the iterator is positioned; throws the iterator's
// error status when it stopped because of one.
jboolean AfterMove(JNIEnv* env, IteratorHolder* h) {
  if (h->iterator->Valid()) return JNI_TRUE;
  absl::Status st = h->iterator->status();
  if (!st.ok()) ThrowStatus(env, st);
  return JNI_FALSE;
}

// A move without an argument. SeekToFirst/SeekToLast work on any open
// iterator; Next/Prev need one that is positioned.
template <void (Iterator::*kMove)(), bool kNeedsPosition>
jboolean IterMove(JNIEnv* env, jclass, jlong handle) {
  return Boundary(env, jboolean{JNI_FALSE}, [&]() -> jboolean {
    IteratorHolder* h = kNeedsPosition ? ValidIter(env, handle) : Iter(env, handle);
    if (h == nullptr) return JNI_FALSE;
    (h->iterator.get()->*kMove)();
    return AfterMove(env, h);
  });
}

template <bool kForPrev>
jboolean IterSeekImpl(JNIEnv* env, jlong handle, std::string_view target) {
  IteratorHolder* h = Iter(env, handle);
  if (h == nullptr) return JNI_FALSE;
  if (kForPrev) {
    h->iterator->SeekForPrev(target);
  } else {
    h->iterator->Seek(target);
  }
  return AfterMove(env, h);
}

template <bool kForPrev>
jboolean IterSeek(JNIEnv* env, jclass, jlong handle, jbyteArray jtarget, jint off, jint len) {
  return Boundary(env, jboolean{JNI_FALSE}, [&]() -> jboolean {
    ScratchTrimmer trim;
    Scratch& s = trim.scratch();
    if (!CopyArrayRegion(env, jtarget, off, len, &s.key)) return JNI_FALSE;
    return IterSeekImpl<kForPrev>(env, handle, s.key);
  });
}

template <bool kForPrev>
jboolean IterSeekDirect(JNIEnv* env, jclass, jlong handle, jobject jtarget, jint pos, jint len) {
  return Boundary(env, jboolean{JNI_FALSE}, [&]() -> jboolean {
    DirectRange target = GetDirectRange(env, jtarget, pos, len);
    if (!target.ok) return JNI_FALSE;
    return IterSeekImpl<kForPrev>(env, handle, std::string_view(target.data, target.size));
  });
}

template <bool kValue>
std::string_view Current(IteratorHolder* h) {
  return kValue ? h->iterator->value() : h->iterator->key();
}

template <bool kValue>
jbyteArray IterBytes(JNIEnv* env, jclass, jlong handle) {
  return Boundary(env, static_cast<jbyteArray>(nullptr), [&]() -> jbyteArray {
    IteratorHolder* h = ValidIter(env, handle);
    if (h == nullptr) return nullptr;
    return NewByteArray(env, Current<kValue>(h));
  });
}

template <bool kValue>
jint IterBytesInto(JNIEnv* env, jclass, jlong handle, jbyteArray out, jint off, jint len) {
  return Boundary(env, jint{-1}, [&]() -> jint {
    IteratorHolder* h = ValidIter(env, handle);
    if (h == nullptr) return -1;
    std::string_view bytes = Current<kValue>(h);
    if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
      ThrowStatus(env, absl::OutOfRangeError("entry does not fit a Java array"));
      return -1;
    }
    if (!CopyIntoArray(env, bytes, out, off, len)) return -1;
    return static_cast<jint>(bytes.size());
  });
}

template <bool kValue>
jint IterBytesDirect(JNIEnv* env, jclass, jlong handle, jobject jout, jint pos, jint cap) {
  return Boundary(env, jint{-1}, [&]() -> jint {
    IteratorHolder* h = ValidIter(env, handle);
    if (h == nullptr) return -1;
    DirectRange out = GetDirectRange(env, jout, pos, cap);
    if (!out.ok) return -1;
    std::string_view bytes = Current<kValue>(h);
    if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
      ThrowStatus(env, absl::OutOfRangeError("entry does not fit a Java buffer"));
      return -1;
    }
    const size_t n = bytes.size() < out.size ? bytes.size() : out.size;
    if (n > 0) std::memcpy(out.data, bytes.data(), n);
    return static_cast<jint>(bytes.size());
  });
}

// The current key or value copied over the calling thread's scratch buffer
// (its first min(length, capacity) bytes); returns the full length.
template <bool kValue>
jint IterBytesScratch(JNIEnv* env, jclass, jlong handle, jlong address, jint capacity) {
  return Boundary(env, jint{-1}, [&]() -> jint {
    IteratorHolder* h = ValidIter(env, handle);
    if (h == nullptr || !ScratchFits(env, address, 0, 0, capacity)) return -1;
    std::string_view bytes = Current<kValue>(h);
    if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
      ThrowStatus(env, absl::OutOfRangeError("entry does not fit a Java array"));
      return -1;
    }
    const size_t n = std::min(bytes.size(), static_cast<size_t>(capacity));
    if (n > 0) std::memcpy(reinterpret_cast<char*>(address), bytes.data(), n);
    return static_cast<jint>(bytes.size());
  });
}

template <bool kForPrev>
jboolean IterSeekScratch(JNIEnv* env, jclass, jlong handle, jlong address, jint len,
                         jint capacity) {
  return Boundary(env, jboolean{JNI_FALSE}, [&]() -> jboolean {
    if (!ScratchFits(env, address, len, 0, capacity)) return JNI_FALSE;
    return IterSeekImpl<kForPrev>(env, handle,
                                  std::string_view(reinterpret_cast<const char*>(address), len));
  });
}

void IterClose(JNIEnv* env, jclass, jlong handle) {
  BoundaryVoid(env, [&] { delete reinterpret_cast<IteratorHolder*>(handle); });
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

#define LSM_NATIVE(name, signature, fn) \
  JNINativeMethod { const_cast<char*>(name), const_cast<char*>(signature), reinterpret_cast<void*>(fn) }

const JNINativeMethod kMethods[] = {
    LSM_NATIVE("abiVersion", "()I", AbiVersion),
    LSM_NATIVE("open", "([B[J)J", Open),
    LSM_NATIVE("defaultOptions", "()[J", DefaultOptions),
    LSM_NATIVE("closeStore", "(J)V", CloseStore),
    LSM_NATIVE("destroy", "([B[J)V", Destroy),
    LSM_NATIVE("put", "(JZ[BII[BII)V", Put),
    LSM_NATIVE("putDirect", "(JZLjava/nio/ByteBuffer;IILjava/nio/ByteBuffer;II)V", PutDirect),
    LSM_NATIVE("delete", "(JZ[BII)V", Delete),
    LSM_NATIVE("deleteDirect", "(JZLjava/nio/ByteBuffer;II)V", DeleteDirect),
    LSM_NATIVE("deleteRange", "(JZ[B[B)V", DeleteRange),
    LSM_NATIVE("write", "(JZ[BI)V", Write),
    LSM_NATIVE("get", "(JJI[BII)[B", Get),
    LSM_NATIVE("getInto", "(JJI[BII[BII)I", GetInto),
    LSM_NATIVE("getDirect", "(JJILjava/nio/ByteBuffer;IILjava/nio/ByteBuffer;II)I", GetDirect),
    LSM_NATIVE("bufferAddress", "(Ljava/nio/ByteBuffer;)J", BufferAddress),
    LSM_NATIVE("putScratch", "(JZJIII)V", PutScratch),
    LSM_NATIVE("deleteScratch", "(JZJII)V", DeleteScratch),
    LSM_NATIVE("getScratch", "(JJIJII)I", GetScratch),
    LSM_NATIVE("getSnapshot", "(J)J", GetSnapshot),
    LSM_NATIVE("snapshotSequence", "(J)J", SnapshotSequence),
    LSM_NATIVE("releaseSnapshot", "(J)V", ReleaseSnapshot),
    LSM_NATIVE("flush", "(J)V", Flush),
    LSM_NATIVE("syncWal", "(J)V", SyncWal),
    LSM_NATIVE("compactRange", "(J[B[B)V", CompactRange),
    LSM_NATIVE("property", "(J[B)[B", Property),
    LSM_NATIVE("multiGet", "(JJI[[B)[[B", MultiGet),
    LSM_NATIVE("checkpoint", "(J[B)V", Checkpoint),
    LSM_NATIVE("approximateSize", "(J[B[B)J", ApproximateSize),
    LSM_NATIVE("statistics", "(J)[J", GetStatistics),
    LSM_NATIVE("newIterator", "(JJI[B[B)J", NewIterator),
    LSM_NATIVE("iterSeekToFirst", "(J)Z", (IterMove<&Iterator::SeekToFirst, false>)),
    LSM_NATIVE("iterSeekToLast", "(J)Z", (IterMove<&Iterator::SeekToLast, false>)),
    LSM_NATIVE("iterSeek", "(J[BII)Z", IterSeek<false>),
    LSM_NATIVE("iterSeekDirect", "(JLjava/nio/ByteBuffer;II)Z", IterSeekDirect<false>),
    LSM_NATIVE("iterSeekForPrev", "(J[BII)Z", IterSeek<true>),
    LSM_NATIVE("iterSeekForPrevDirect", "(JLjava/nio/ByteBuffer;II)Z", IterSeekDirect<true>),
    LSM_NATIVE("iterNext", "(J)Z", (IterMove<&Iterator::Next, true>)),
    LSM_NATIVE("iterPrev", "(J)Z", (IterMove<&Iterator::Prev, true>)),
    LSM_NATIVE("iterKey", "(J)[B", IterBytes<false>),
    LSM_NATIVE("iterValue", "(J)[B", IterBytes<true>),
    LSM_NATIVE("iterKeyInto", "(J[BII)I", IterBytesInto<false>),
    LSM_NATIVE("iterValueInto", "(J[BII)I", IterBytesInto<true>),
    LSM_NATIVE("iterKeyDirect", "(JLjava/nio/ByteBuffer;II)I", IterBytesDirect<false>),
    LSM_NATIVE("iterValueDirect", "(JLjava/nio/ByteBuffer;II)I", IterBytesDirect<true>),
    LSM_NATIVE("iterKeyScratch", "(JJI)I", IterBytesScratch<false>),
    LSM_NATIVE("iterValueScratch", "(JJI)I", IterBytesScratch<true>),
    LSM_NATIVE("iterSeekScratch", "(JJII)Z", IterSeekScratch<false>),
    LSM_NATIVE("iterSeekForPrevScratch", "(JJII)Z", IterSeekScratch<true>),
    LSM_NATIVE("iterClose", "(J)V", IterClose),
};

#undef LSM_NATIVE

constexpr char kClassProperty[] = "lsmstore.jni.class";
constexpr char kDefaultClass[] = "io.lsmstore.NativeMethods";

// The binary name of the class to bind (dots), from the system property or the
// default. Returns false with an exception pending on a JNI failure.
bool TargetClassName(JNIEnv* env, std::string* out) {
  *out = kDefaultClass;
  jclass system = env->FindClass("java/lang/System");
  if (system == nullptr) return false;
  jmethodID get_property =
      env->GetStaticMethodID(system, "getProperty", "(Ljava/lang/String;)Ljava/lang/String;");
  if (get_property == nullptr) return false;
  jstring key = env->NewStringUTF(kClassProperty);
  if (key == nullptr) return false;
  auto value = static_cast<jstring>(env->CallStaticObjectMethod(system, get_property, key));
  env->DeleteLocalRef(key);
  env->DeleteLocalRef(system);
  if (env->ExceptionCheck()) return false;
  if (value == nullptr) return true;
  const char* chars = env->GetStringUTFChars(value, nullptr);
  if (chars == nullptr) return false;
  if (chars[0] != '\0') *out = chars;
  env->ReleaseStringUTFChars(value, chars);
  env->DeleteLocalRef(value);
  return true;
}

void ThrowLinkError(JNIEnv* env, const std::string& message) {
  // The message names what failed; a pending lower-level exception (say
  // NoClassDefFoundError) is replaced so System.load reports one clear error.
  if (env->ExceptionCheck()) env->ExceptionClear();
  jclass error = env->FindClass("java/lang/UnsatisfiedLinkError");
  if (error != nullptr) env->ThrowNew(error, message.c_str());
}

}  // namespace
}  // namespace jni
}  // namespace lsm

extern "C" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
  using namespace lsm::jni;  // NOLINT(build/namespaces)
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  return Boundary(env, jint{JNI_ERR}, [&]() -> jint {
    std::string name;
    if (!TargetClassName(env, &name)) {
      ThrowLinkError(env, "liblsmjni: cannot read the system property lsmstore.jni.class");
      return JNI_ERR;
    }
    std::string internal = name;
    for (char& c : internal) {
      if (c == '.') c = '/';
    }
    jclass target = env->FindClass(internal.c_str());
    if (target == nullptr) {
      ThrowLinkError(env, "liblsmjni: class " + name + " (named by system property " +
                              kClassProperty + ") is not visible to the loading class loader");
      return JNI_ERR;
    }
    const size_t slash = internal.rfind('/');
    const std::string package_prefix =
        slash == std::string::npos ? std::string() : internal.substr(0, slash + 1);
    if (!InitClasses(env, package_prefix)) {
      ThrowLinkError(env, "liblsmjni: " + package_prefix + "LsmException(int, String) not found");
      return JNI_ERR;
    }
    const jint count = static_cast<jint>(sizeof(kMethods) / sizeof(kMethods[0]));
    if (env->RegisterNatives(target, kMethods, count) != JNI_OK) {
      ReleaseClasses(env);
      ThrowLinkError(env, "liblsmjni: RegisterNatives failed on " + name +
                              " (its native declarations do not match this library)");
      return JNI_ERR;
    }
    env->DeleteLocalRef(target);
    return JNI_VERSION_1_8;
  });
}

extern "C" JNIEXPORT void JNICALL JNI_OnUnload(JavaVM* vm, void*) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_8) != JNI_OK) return;
  lsm::jni::ReleaseClasses(env);
}
