#include "engine/table/cache.h"

#include <utility>

namespace lsm {

BlockCache::BlockCache(size_t capacity_bytes, int num_shard_bits)
    : cache_(capacity_bytes, num_shard_bits) {}

std::shared_ptr<const Block> BlockCache::Lookup(uint64_t file_number, uint64_t block_number) {
  return cache_.Lookup(file_number, block_number);
}

std::shared_ptr<const Block> BlockCache::Insert(uint64_t file_number, uint64_t block_number,
                                                std::shared_ptr<const Block> block,
                                                size_t charge) {
  return cache_.Insert(file_number, block_number, std::move(block), charge);
}

std::shared_ptr<const Block> BlockCache::InsertIfAdmitted(uint64_t file_number,
                                                          uint64_t block_number,
                                                          std::shared_ptr<const Block> block,
                                                          size_t charge) {
  return cache_.InsertIfAdmitted(file_number, block_number, std::move(block), charge);
}

std::shared_ptr<const Block> BlockCache::InsertIfRoom(uint64_t file_number, uint64_t block_number,
                                                      std::shared_ptr<const Block> block,
                                                      size_t charge) {
  return cache_.InsertIfRoom(file_number, block_number, std::move(block), charge);
}

void BlockCache::EraseFile(uint64_t file_number) { cache_.EraseFile(file_number); }

size_t BlockCache::TotalCharge() const { return cache_.TotalCharge(); }
size_t BlockCache::Capacity() const { return cache_.Capacity(); }
uint64_t BlockCache::hits() const { return cache_.hits(); }
uint64_t BlockCache::misses() const { return cache_.misses(); }
uint64_t BlockCache::not_admitted() const { return cache_.not_admitted(); }

}  // namespace lsm
