// BlockBuilder lays out the entries of one block (data, index, meta-index or
// properties): keys prefix-compressed against the previous key, with a
// restart point (a full key) every `restart_interval` entries, and the array
// of restart offsets at the end. See FORMAT.md "Blocks".
//
// Thread safety: one thread at a time.
#ifndef LSM_ENGINE_TABLE_BLOCK_BUILDER_H_
#define LSM_ENGINE_TABLE_BLOCK_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsm {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1
  explicit BlockBuilder(int restart_interval);

  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Forgets every entry; the builder can then build another block.
  void Reset();

  // REQUIRES: Finish() not called since the last Reset(); key sorts after
  // every key added before it (in the order the block's reader will use).
  void Add(std::string_view key, std::string_view value);

  // Appends the restart array and returns the finished block. The view stays
  // valid until Reset() or the builder's destruction.
  std::string_view Finish();

  // Size of the block if it were finished now.
  size_t CurrentSizeEstimate() const;
  bool empty() const { return num_entries_ == 0; }
  uint64_t num_entries() const { return num_entries_; }
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart
  uint64_t num_entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_BLOCK_BUILDER_H_
