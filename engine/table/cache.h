// The block cache: a sharded cache of decoded SST blocks, keyed by
// (file number, block number: the block's position in its table's index)
// and charged by bytes.
//
// ShardedClockCache<V> is the generic core (tests use it with a dummy value
// type); BlockCache is the instance the table reader uses. Values are
// std::shared_ptr<const V>: an entry evicted (or erased, or replaced) while a
// caller still holds its value stays alive until the caller drops it; the
// cache only stops accounting for it. Capacity therefore bounds what the cache
// itself keeps, not what readers pin.
//
// Keys hash to one of 2^num_shard_bits shards; each shard is an eviction list
// (second-chance CLOCK: a hit only sets a flag, see NextVictim) plus
// a hash map under its own mutex, so threads touching different shards do not
// contend. When the capacity is small, fewer shards are used so that every
// shard can still hold a few blocks (see ShardBitsFor()).
//
// Each shard also counts its lookups in a FrequencySketch, for
// InsertIfAdmitted: once a shard is full, a block that missed takes the place
// of the block eviction would drop only if it was looked up more often
// recently (TinyLFU's admission test). Under reads spread evenly over more
// blocks than fit, admitting every miss would evict a block as likely to be
// read next as the one admitted, paying an eviction, a cold buffer and a free
// per miss for the same hit rate; under skewed reads the hot blocks still
// get in.
//
// Thread safety: every method may be called concurrently from any thread.
#ifndef LSM_ENGINE_TABLE_CACHE_H_
#define LSM_ENGINE_TABLE_CACHE_H_

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "engine/table/frequency_sketch.h"
#include "engine/util/hash.h"
#include "engine/util/mutex.h"

namespace lsm {

// Identifies one block: the SST's file number and the block's number in it.
struct CacheKey {
  uint64_t file_number = 0;
  uint64_t block = 0;

  friend bool operator==(const CacheKey& a, const CacheKey& b) {
    return a.file_number == b.file_number && a.block == b.block;
  }
};

// A well-mixed 64-bit hash of a CacheKey. The high bits choose the shard, the
// hash map inside the shard uses the whole value.
inline uint64_t HashCacheKey(const CacheKey& k) {
  return FMix64(k.file_number * 0x9e3779b97f4a7c15ull ^ k.block);
}

// The number of shard bits actually used for a cache of capacity_bytes when
// up to max_shard_bits were asked for: shards are halved until each has at
// least kMinShardCapacity bytes (or a single shard remains), as a 16-way split
// of a small cache would leave every shard too small to hold a block.
inline constexpr size_t kMinShardCapacity = size_t{64} << 10;
// The charge a shard's frequency sketch is sized by: it expects
// capacity / kTypicalCharge entries (a 4 KiB data block each).
inline constexpr size_t kTypicalCharge = size_t{4} << 10;
inline int ShardBitsFor(size_t capacity_bytes, int max_shard_bits) {
  int bits = max_shard_bits < 0 ? 0 : (max_shard_bits > 16 ? 16 : max_shard_bits);
  while (bits > 0 && (capacity_bytes >> bits) < kMinShardCapacity) --bits;
  return bits;
}

template <typename V>
class ShardedClockCache {
 public:
  using Value = std::shared_ptr<const V>;

  // capacity_bytes == 0 caches nothing: Insert hands its value back uncached.
  // num_shard_bits is an upper bound, see ShardBitsFor().
  explicit ShardedClockCache(size_t capacity_bytes, int num_shard_bits = 4)
      : capacity_(capacity_bytes),
        shard_bits_(ShardBitsFor(capacity_bytes, num_shard_bits)),
        shards_(size_t{1} << shard_bits_) {
    const size_t n = shards_.size();
    // Spread capacity_bytes exactly: the first (capacity % n) shards get one
    // byte more.
    for (size_t i = 0; i < n; ++i) {
      const size_t shard_capacity = capacity_bytes / n + (i < capacity_bytes % n ? 1 : 0);
      shards_[i].SetCapacity(shard_capacity);
      shards_[i].SizeSketch(shard_capacity / kTypicalCharge);
    }
  }

  // Changes the capacity, evicting entries (second chance first) of each shard
  // that no longer fits. The number of shards, and the size of their
  // frequency sketches, stay as constructed.
  void SetCapacity(size_t capacity_bytes) {
    capacity_.store(capacity_bytes, std::memory_order_relaxed);
    const size_t n = shards_.size();
    for (size_t i = 0; i < n; ++i) {
      shards_[i].SetCapacity(capacity_bytes / n + (i < capacity_bytes % n ? 1 : 0));
    }
  }

  ShardedClockCache(const ShardedClockCache&) = delete;
  ShardedClockCache& operator=(const ShardedClockCache&) = delete;

  // The cached value, or nullptr on a miss. A hit makes the entry the most
  // recently used of its shard. Hit or miss, the lookup is counted in the
  // shard's frequency sketch (see InsertIfAdmitted).
  Value Lookup(uint64_t file_number, uint64_t block) {
    const CacheKey key{file_number, block};
    const uint64_t hash = HashCacheKey(key);
    return ShardFor(hash).Lookup(key, hash);
  }

  // Caches value under (file_number, block), replacing any entry with the
  // same key, charged `charge` bytes, then evicts entries not used since the
  // eviction pass last reached them,
  // until the shard fits its capacity. Returns value. A value whose charge
  // exceeds its shard's capacity, or any value when the capacity is 0, is not
  // cached (any old entry for the key is still removed, so a stale block never
  // outlives its replacement).
  // REQUIRES: value != nullptr
  Value Insert(uint64_t file_number, uint64_t block, Value value, size_t charge) {
    assert(value != nullptr);
    const CacheKey key{file_number, block};
    const uint64_t hash = HashCacheKey(key);
    return ShardFor(hash).Insert(key, hash, std::move(value), charge);
  }

  // As Insert, but when the shard would have to evict entries to fit value,
  // value is cached only if its key was looked up more often recently than
  // the key of the entry eviction would take first (second chance given):
  // by the estimates of the shard's frequency sketch, a tie keeping the
  // cached entry. Otherwise value is returned uncached and the shard is left
  // as it was, but for the second chances the search for that entry used up.
  // A replacement of a cached key, or a value that fits the free capacity,
  // is always cached.
  // REQUIRES: value != nullptr
  Value InsertIfAdmitted(uint64_t file_number, uint64_t block, Value value, size_t charge) {
    assert(value != nullptr);
    const CacheKey key{file_number, block};
    const uint64_t hash = HashCacheKey(key);
    return ShardFor(hash).Insert(key, hash, std::move(value), charge, Fill::kIfAdmitted);
  }

  // As Insert, but only into free capacity: when the shard would have to
  // evict entries to fit value, value is returned uncached. For readers that
  // stream through more data than the cache holds, whose blocks would only
  // push out everyone else's.
  // REQUIRES: value != nullptr
  Value InsertIfRoom(uint64_t file_number, uint64_t block, Value value, size_t charge) {
    assert(value != nullptr);
    const CacheKey key{file_number, block};
    const uint64_t hash = HashCacheKey(key);
    return ShardFor(hash).Insert(key, hash, std::move(value), charge, Fill::kOnlyIntoFreeRoom);
  }

  // Removes the entry for (file_number, block), if any.
  void Erase(uint64_t file_number, uint64_t block) {
    const CacheKey key{file_number, block};
    const uint64_t hash = HashCacheKey(key);
    ShardFor(hash).Erase(key, hash);
  }

  // Removes every entry of file_number (a deleted SST). Costs one hash lookup
  // per shard plus the number of entries removed.
  void EraseFile(uint64_t file_number) {
    for (Shard& s : shards_) s.EraseFile(file_number);
  }

  // Bytes charged by the entries currently cached.
  size_t TotalCharge() const {
    size_t total = 0;
    for (const Shard& s : shards_) total += s.Usage();
    return total;
  }
  size_t Capacity() const { return capacity_.load(std::memory_order_relaxed); }
  // Number of entries currently cached.
  size_t Size() const {
    size_t total = 0;
    for (const Shard& s : shards_) total += s.Entries();
    return total;
  }
  int NumShards() const { return static_cast<int>(shards_.size()); }

  // Lookups that found / did not find their key, since construction.
  uint64_t hits() const {
    uint64_t n = 0;
    for (const Shard& s : shards_) n += s.hits.load(std::memory_order_relaxed);
    return n;
  }
  uint64_t misses() const {
    uint64_t n = 0;
    for (const Shard& s : shards_) n += s.misses.load(std::memory_order_relaxed);
    return n;
  }
  // Values InsertIfAdmitted handed back uncached because the admission test
  // kept the entry they would have evicted, since construction.
  uint64_t not_admitted() const {
    uint64_t n = 0;
    for (const Shard& s : shards_) n += s.not_admitted.load(std::memory_order_relaxed);
    return n;
  }

 private:
  // How an insert of a new key into a full shard goes.
  enum class Fill { kEvict, kIfAdmitted, kOnlyIntoFreeRoom };
  // Values released under a shard's lock, destroyed after it is dropped.
  using Released = absl::InlinedVector<Value, 4>;

  // One cached value, split in two. What a hit reads and writes (the value
  // and its second-chance flag) lives in the hash map's slot, so a hit
  // touches the map alone. The Entry, at a stable address, holds what only
  // inserts and evictions use: the charge and the links of two intrusive
  // doubly linked lists (the shard's eviction list, and its file's entries
  // for EraseFile).
  struct Entry {
    CacheKey key;
    size_t charge = 0;
    Entry* lru_prev = nullptr;
    Entry* lru_next = nullptr;
    Entry* file_prev = nullptr;
    Entry* file_next = nullptr;
  };
  struct Slot {
    Value value;
    Entry* entry = nullptr;
    // Set by a hit; gives the entry a second chance when eviction reaches it.
    bool referenced = false;
  };

  struct KeyHash {
    size_t operator()(const CacheKey& k) const { return static_cast<size_t>(HashCacheKey(k)); }
  };
  using Table = absl::flat_hash_map<CacheKey, Slot, KeyHash>;

  // Aligned to a cache line so that shards locked by different threads do not
  // share one.
  class alignas(64) Shard {
   public:
    Shard() {
      lru_.lru_prev = &lru_;
      lru_.lru_next = &lru_;
    }
    ~Shard() {
      for (auto& kv : table_) delete kv.second.entry;
    }

    void SetCapacity(size_t capacity) {
      Released released;  // destroyed after the lock is dropped
      MutexLock l(&mu_);
      capacity_ = capacity;
      EvictToCapacity(nullptr, &released);
    }
    void SizeSketch(size_t expected_entries) {
      MutexLock l(&mu_);
      sketch_.Reset(expected_entries);
    }

    Value Lookup(const CacheKey& key, uint64_t hash) {
      MutexLock l(&mu_);
      sketch_.Increment(hash);
      auto it = table_.find(key, static_cast<size_t>(hash));
      if (it == table_.end()) {
        Increment(misses);
        return nullptr;
      }
      Increment(hits);
      // No list surgery on a hit (it would touch the entry and two of its
      // neighbours): eviction gives referenced entries a second chance.
      it->second.referenced = true;
      return it->second.value;
    }

    // A new key that does not fit the free capacity is cached as `fill`
    // says (see the public Insert* methods).
    Value Insert(const CacheKey& key, uint64_t hash, Value value, size_t charge,
                 Fill fill = Fill::kEvict) {
      // Replaced or evicted values are released after the lock is dropped:
      // the destructor of the last reference to a block may be slow.
      Released released;
      {
        MutexLock l(&mu_);
        auto it = table_.find(key, static_cast<size_t>(hash));
        if (fill != Fill::kEvict && it == table_.end() && usage_ + charge > capacity_ &&
            !Admitted(fill, hash)) {
          if (fill == Fill::kIfAdmitted) Increment(not_admitted);
          return value;
        }
        if (capacity_ == 0 || charge > capacity_) {
          if (it != table_.end()) released.push_back(Remove(it));
          return value;
        }
        Entry* e;
        if (it != table_.end()) {
          // Replace in place: the entry keeps its key and file-list links.
          e = it->second.entry;
          released.push_back(std::move(it->second.value));
          usage_ -= e->charge;
          LruRemove(e);
        } else {
          e = new Entry;
          e->key = key;
          it = table_.emplace(key, Slot{nullptr, e, false}).first;
          FileLink(e);
        }
        it->second.value = value;
        it->second.referenced = false;
        e->charge = charge;
        usage_ += charge;
        LruAppend(e);
        EvictToCapacity(e, &released);
      }
      return value;
    }

    void Erase(const CacheKey& key, uint64_t hash) {
      Value released;  // destroyed after the lock is dropped (declared first)
      MutexLock l(&mu_);
      auto it = table_.find(key, static_cast<size_t>(hash));
      if (it == table_.end()) return;
      released = Remove(it);
    }

    void EraseFile(uint64_t file_number) {
      std::vector<Value> released;  // a whole file's: may be many
      MutexLock l(&mu_);
      auto head = files_.find(file_number);
      if (head == files_.end()) return;
      Entry* e = head->second;
      files_.erase(head);
      while (e != nullptr) {
        Entry* next = e->file_next;
        auto it = table_.find(e->key);
        assert(it != table_.end());
        released.push_back(std::move(it->second.value));
        table_.erase(it);
        LruRemove(e);
        usage_ -= e->charge;
        delete e;
        e = next;
      }
    }

    size_t Usage() const {
      MutexLock l(&mu_);
      return usage_;
    }
    size_t Entries() const {
      MutexLock l(&mu_);
      return table_.size();
    }

    // Updated under mu_, read without it.
    std::atomic<uint64_t> hits{0};
    std::atomic<uint64_t> misses{0};
    std::atomic<uint64_t> not_admitted{0};

   private:
    // mu_ orders the writers, so a plain load and store suffice (no locked
    // read-modify-write per lookup); readers see some recent count.
    static void Increment(std::atomic<uint64_t>& counter) {
      counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    // Whether a new key (of hash) may evict to be cached: never for
    // kOnlyIntoFreeRoom; for kIfAdmitted, when the shard is empty or the key
    // is estimated more frequent than the next victim.
    bool Admitted(Fill fill, uint64_t hash) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (fill == Fill::kOnlyIntoFreeRoom) return false;
      const typename Table::iterator victim = NextVictim(nullptr);
      if (victim == table_.end()) return true;
      return sketch_.Estimate(hash) > sketch_.Estimate(HashCacheKey(victim->first));
    }

    // The entry eviction takes next (second-chance CLOCK on a FIFO list):
    // from the oldest entry, a referenced one loses its flag and goes to the
    // young end, and so does `keep` (the entry being inserted); the first
    // other entry is the victim, left where it is. table_.end() when no entry
    // but keep is left.
    typename Table::iterator NextVictim(const Entry* keep) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      while (lru_.lru_next != &lru_) {
        Entry* e = lru_.lru_next;
        if (e == keep) {
          if (e->lru_next == &lru_) break;  // nothing else left
          LruRemove(e);
          LruAppend(e);
          continue;
        }
        auto it = table_.find(e->key);
        assert(it != table_.end());
        if (!it->second.referenced) return it;
        it->second.referenced = false;
        LruRemove(e);
        LruAppend(e);
      }
      return table_.end();
    }

    // Evicts victims (see NextVictim) until the usage fits. `keep` (the
    // entry being inserted, whose charge fits the capacity) is never evicted.
    void EvictToCapacity(Entry* keep, Released* released) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      while (usage_ > capacity_) {
        const typename Table::iterator victim = NextVictim(keep);
        if (victim == table_.end()) break;
        released->push_back(Remove(victim));
      }
    }

    // Removes the entry at it from the map and both lists, frees it and
    // returns its value.
    Value Remove(typename Table::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      Entry* e = it->second.entry;
      Value v = std::move(it->second.value);
      table_.erase(it);
      LruRemove(e);
      FileUnlink(e);
      usage_ -= e->charge;
      delete e;
      return v;
    }

    static void LruRemove(Entry* e) {
      e->lru_next->lru_prev = e->lru_prev;
      e->lru_prev->lru_next = e->lru_next;
    }
    // Puts e at the young end of the list.
    void LruAppend(Entry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      e->lru_next = &lru_;
      e->lru_prev = lru_.lru_prev;
      e->lru_prev->lru_next = e;
      e->lru_next->lru_prev = e;
    }

    void FileLink(Entry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      Entry*& head = files_[e->key.file_number];
      e->file_prev = nullptr;
      e->file_next = head;
      if (head != nullptr) head->file_prev = e;
      head = e;
    }
    void FileUnlink(Entry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (e->file_next != nullptr) e->file_next->file_prev = e->file_prev;
      if (e->file_prev != nullptr) {
        e->file_prev->file_next = e->file_next;
      } else if (e->file_next != nullptr) {
        files_[e->key.file_number] = e->file_next;
      } else {
        files_.erase(e->key.file_number);
      }
    }

    mutable Mutex mu_;
    size_t capacity_ ABSL_GUARDED_BY(mu_) = 0;
    size_t usage_ ABSL_GUARDED_BY(mu_) = 0;
    // Dummy head of the eviction list: lru_.lru_next is the oldest entry.
    Entry lru_ ABSL_GUARDED_BY(mu_);
    Table table_ ABSL_GUARDED_BY(mu_);
    // The first entry of each file present in the shard.
    absl::flat_hash_map<uint64_t, Entry*> files_ ABSL_GUARDED_BY(mu_);
    // Lookups counted for InsertIfAdmitted.
    FrequencySketch sketch_ ABSL_GUARDED_BY(mu_){0};
  };

  Shard& ShardFor(uint64_t hash) {
    return shards_[shard_bits_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - shard_bits_))];
  }

  std::atomic<size_t> capacity_;
  const int shard_bits_;  // constant after construction
  std::vector<Shard> shards_;
};

class Block;  // engine/table/block.h

// The cache of data blocks shared by every open table of a DB.
class BlockCache {
 public:
  explicit BlockCache(size_t capacity_bytes, int num_shard_bits = 4);
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // nullptr on miss.
  std::shared_ptr<const Block> Lookup(uint64_t file_number, uint64_t block_number);
  // Inserts (replacing any entry with the same key) and returns the cached
  // value. See ShardedClockCache::Insert.
  std::shared_ptr<const Block> Insert(uint64_t file_number, uint64_t block_number,
                                      std::shared_ptr<const Block> block, size_t charge);
  // See ShardedClockCache::InsertIfAdmitted.
  std::shared_ptr<const Block> InsertIfAdmitted(uint64_t file_number, uint64_t block_number,
                                                std::shared_ptr<const Block> block,
                                                size_t charge);
  // See ShardedClockCache::InsertIfRoom.
  std::shared_ptr<const Block> InsertIfRoom(uint64_t file_number, uint64_t block_number,
                                            std::shared_ptr<const Block> block, size_t charge);
  // Drops every block of a deleted file.
  void EraseFile(uint64_t file_number);

  size_t TotalCharge() const;
  size_t Capacity() const;
  // See ShardedClockCache::SetCapacity.
  void SetCapacity(size_t capacity_bytes) { cache_.SetCapacity(capacity_bytes); }
  uint64_t hits() const;
  uint64_t misses() const;
  uint64_t not_admitted() const;

 private:
  ShardedClockCache<Block> cache_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_CACHE_H_
