// A WriteBatch holds updates applied atomically by DB::Write: after a crash
// either all of them are present or none.
//
// Encoding (the WAL's, see engine/wal/FORMAT.md):
//   batch := sequence:u64le count:u32le entry*
//   entry := type:u8 key_len:u32le value_len:u32le key value
//   (type 0 Delete, 1 Put, 2 DeleteRange with key = begin, value = end)
//
// Thread safety: const methods may be called concurrently; anything else needs
// external synchronization.
#ifndef LSM_WRITE_BATCH_H_
#define LSM_WRITE_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace lsm {

class WriteBatch {
 public:
  // Receives the entries of a batch in order.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    virtual void Delete(std::string_view key) = 0;
    // A range deletion [begin, end). Handlers written before range
    // deletions existed need not override it: Iterate then returns
    // Unimplemented for a batch that holds one, rather than skip it.
    virtual void DeleteRange(std::string_view begin, std::string_view end);

   private:
    friend class WriteBatch;
    bool unsupported_entry_ = false;  // the default DeleteRange was called
  };

  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  WriteBatch(WriteBatch&&) = default;
  WriteBatch& operator=(WriteBatch&&) = default;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Deletes every key k with begin <= k < end (bytewise), as one entry
  // however many keys that is. DB::Write rejects a batch whose range has
  // begin > end; begin == end deletes nothing.
  void DeleteRange(std::string_view begin, std::string_view end);
  // Appends every entry of `other`, in order.
  void Append(const WriteBatch& other);
  void Clear();
  size_t Count() const;
  // Bytes of the encoded batch.
  size_t ApproximateSize() const;

  // Calls the handler once per entry. DataLoss when the encoding is damaged;
  // never reads past the end. Unimplemented when the batch holds a range
  // deletion and the handler keeps the default DeleteRange.
  absl::Status Iterate(Handler* handler) const;

  // ---- Internal: used by the engine's write path and WAL tools. ----
  uint64_t sequence() const;
  void set_sequence(uint64_t seq);
  std::string_view rep() const { return rep_; }
  // Replaces the contents with an encoded batch; DataLoss if the header or
  // any entry is malformed.
  absl::Status SetContents(std::string_view encoded);

  static constexpr size_t kHeaderSize = 12;

 private:
  std::string rep_;
};

}  // namespace lsm

#endif  // LSM_WRITE_BATCH_H_
