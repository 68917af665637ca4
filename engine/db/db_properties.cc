// What a DB reports about itself: GetProperty, GetStatistics and the text
// forms of lsm.stats and lsm.statistics.
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/db/db_impl.h"
#include "lsm/status.h"

namespace lsm {

namespace {

// "name value" lines: counters, then each latency's count, mean, p50, p99,
// p99.9 and max in microseconds.
std::string StatisticsString(const Statistics& st) {
  std::string r;
  auto counter = [&r](const char* name, uint64_t v) { absl::StrAppend(&r, name, " ", v, "\n"); };
  counter("gets", st.gets);
  counter("gets.found", st.gets_found);
  counter("bytes.read", st.bytes_read);
  counter("block.cache.hits", st.block_cache_hits);
  counter("block.cache.misses", st.block_cache_misses);
  counter("block.cache.not.admitted", st.block_cache_not_admitted);
  counter("bloom.checks", st.bloom_checks);
  counter("bloom.useful", st.bloom_useful);
  counter("writes", st.writes);
  counter("write.groups", st.write_groups);
  counter("wal.syncs", st.wal_syncs);
  counter("bytes.written", st.bytes_written);
  counter("flushes", st.flushes);
  counter("flush.bytes.written", st.flush_bytes_written);
  counter("compactions", st.compactions);
  counter("compaction.bytes.read", st.compaction_bytes_read);
  counter("compaction.bytes.written", st.compaction_bytes_written);
  counter("stall.micros", st.stall_micros);
  auto latency = [&r](const char* name, const LatencySummary& l) {
    absl::StrAppendFormat(&r, "%s.count %d\n%s.mean %.3f\n%s.p50 %.3f\n%s.p99 %.3f\n",
                          name, l.count, name, l.mean, name, l.p50, name, l.p99);
    absl::StrAppendFormat(&r, "%s.p99.9 %.3f\n%s.max %.3f\n", name, l.p999, name, l.max);
  };
  latency("get.micros", st.get_micros);
  latency("write.micros", st.write_micros);
  latency("seek.micros", st.seek_micros);
  return r;
}

}  // namespace

std::optional<std::string> DBImpl::GetProperty(std::string_view name) {
  MutexLock l(&mutex_);
  constexpr std::string_view kFilesAtLevel = "lsm.num-files-at-level";
  if (name.substr(0, kFilesAtLevel.size()) == kFilesAtLevel) {
    int level;
    if (!absl::SimpleAtoi(ToAbsl(name.substr(kFilesAtLevel.size())), &level) || level < 0 ||
        level >= kNumLevels) {
      return std::nullopt;
    }
    return absl::StrCat(versions_->current()->NumFiles(level));
  }
  if (name == "lsm.stats") return StatsString();
  if (name == "lsm.statistics") {
    mutex_.Unlock();  // GetStatistics takes it itself
    const Statistics st = GetStatistics();
    mutex_.Lock();
    return StatisticsString(st);
  }
  if (name == "lsm.sstables") {
    std::string r;
    auto v = versions_->current();
    for (int level = 0; level < kNumLevels; ++level) {
      if (v->NumFiles(level) == 0) continue;
      absl::StrAppendFormat(&r, "--- level %d ---\n", level);
      for (const auto& f : v->files(level)) {
        ParsedInternalKey s, g;
        ParseInternalKey(f->smallest, &s);
        ParseInternalKey(f->largest, &g);
        absl::StrAppendFormat(&r, " #%d %d bytes ['%s' .. '%s'] seq %d..%d\n", f->number,
                              f->file_size, absl::CEscape(ToAbsl(s.user_key)),
                              absl::CEscape(ToAbsl(g.user_key)), f->smallest_seq,
                              f->largest_seq);
      }
    }
    return r;
  }
  if (name == "lsm.memory") {
    // What the DB holds in memory, by part, in bytes.
    size_t frozen = 0;
    for (const ImmutableMemTable& imm : imm_) frozen += imm.mem->ApproximateMemoryUsage();
    const size_t active = mem_->ApproximateMemoryUsage();
    const size_t cache = block_cache_ ? block_cache_->TotalCharge() : 0;
    const size_t readers = table_cache_->TableReaderBytes();
    const size_t pinned = static_cast<size_t>(std::max<int64_t>(
        0, table_read_counters_.iterator_pinned_bytes.load(std::memory_order_relaxed)));
    return absl::StrFormat(
        "memtable.active %d\nmemtable.frozen %d\nblock.cache %d\nblock.cache.capacity %d\n"
        "table.readers %d\niterator.pinned %d\nbudget %d\ntotal %d\n",
        active, frozen, cache, block_cache_ ? block_cache_->Capacity() : 0, readers, pinned,
        options_.memory_budget, active + frozen + cache + readers + pinned);
  }
  if (name == "lsm.approximate-memory-usage") {
    size_t total = mem_->ApproximateMemoryUsage();
    for (const ImmutableMemTable& imm : imm_) total += imm.mem->ApproximateMemoryUsage();
    if (block_cache_) total += block_cache_->TotalCharge();
    return absl::StrCat(total);
  }
  if (name == "lsm.num-snapshots") return absl::StrCat(snapshots_.size());
  if (name == "lsm.estimate-num-keys") {
    // Entries minus deletions: overwrites and deletions of keys in other
    // files make it an estimate.
    int64_t keys = static_cast<int64_t>(mem_->NumEntries()) - mem_->NumDeletions();
    for (const ImmutableMemTable& imm : imm_) {
      keys += static_cast<int64_t>(imm.mem->NumEntries()) - imm.mem->NumDeletions();
    }
    auto v = versions_->current();
    for (int level = 0; level < kNumLevels; ++level) {
      for (const auto& f : v->files(level)) {
        keys += static_cast<int64_t>(f->num_entries) - static_cast<int64_t>(f->num_deletions);
      }
    }
    return absl::StrCat(std::max<int64_t>(keys, 0));
  }
  if (name == "lsm.last-sequence") return absl::StrCat(versions_->LastSequence());
  if (name == "lsm.background-error") return std::string(bg_error_.ToString());
  return std::nullopt;
}

Statistics DBImpl::GetStatistics() {
  Statistics st;
  st.gets = gets_.load(std::memory_order_relaxed);
  st.gets_found = gets_found_.load(std::memory_order_relaxed);
  st.bytes_read = bytes_read_.load(std::memory_order_relaxed);
  if (block_cache_) {
    st.block_cache_hits = block_cache_->hits();
    st.block_cache_misses = block_cache_->misses();
    st.block_cache_not_admitted = block_cache_->not_admitted();
  }
  st.bloom_checks = table_read_counters_.filter_checks.load(std::memory_order_relaxed);
  st.bloom_useful = table_read_counters_.filter_negatives.load(std::memory_order_relaxed);
  st.get_micros = get_latency_.Summarize();
  st.write_micros = write_latency_.Summarize();
  st.seek_micros = seek_latency_.Summarize();
  MutexLock l(&mutex_);
  st.writes = writes_;
  st.write_groups = write_groups_;
  st.wal_syncs = wal_syncs_;
  st.bytes_written = user_bytes_written_;
  st.flushes = level_stats_[0].count;
  st.flush_bytes_written = level_stats_[0].bytes_written;
  for (int level = 1; level < kNumLevels; ++level) {
    st.compactions += level_stats_[level].count;
    st.compaction_bytes_read += level_stats_[level].bytes_read;
    st.compaction_bytes_written += level_stats_[level].bytes_written;
  }
  st.stall_micros = slowdown_micros_ + stop_micros_;
  return st;
}

std::string DBImpl::StatsString() {
  auto v = versions_->current();
  std::string r;
  absl::StrAppend(&r,
                  "Level  Files  Size(MB)  Score  Read(MB)  Write(MB)  FilesIn  FilesOut  "
                  "Compactions  Time(s)\n");
  absl::StrAppend(&r, std::string(88, '-'), "\n");
  uint64_t total_written = 0, total_read = 0;
  for (int level = 0; level < kNumLevels; ++level) {
    const LevelStats& s = level_stats_[level];
    total_written += s.bytes_written;
    total_read += s.bytes_read;
    if (v->NumFiles(level) == 0 && s.count == 0) continue;
    absl::StrAppendFormat(&r, "  L%d  %6d  %8.1f  %5.2f  %8.1f  %9.1f  %7d  %8d  %11d  %7.1f\n",
                          level, v->NumFiles(level), v->LevelBytes(level) / 1048576.0,
                          versions_->LevelScore(level), s.bytes_read / 1048576.0,
                          s.bytes_written / 1048576.0, s.files_in, s.files_out, s.count,
                          s.micros / 1e6);
  }
  const double user_mb = user_bytes_written_ / 1048576.0;
  const double wamp = user_bytes_written_ == 0
                          ? 0
                          : static_cast<double>(total_written + user_bytes_written_) /
                                user_bytes_written_;
  int sorted_runs = v->NumFiles(0);
  for (int level = 1; level < kNumLevels; ++level) sorted_runs += v->NumFiles(level) > 0;
  absl::StrAppendFormat(&r, "user writes: %d ops in %d groups, %.1f MB; WAL syncs: %d\n",
                        writes_, write_groups_, user_mb, wal_syncs_);
  absl::StrAppendFormat(&r,
                        "flush+compaction: read %.1f MB, wrote %.1f MB; trivial moves: %d; "
                        "compactions for reads: %d\n",
                        total_read / 1048576.0, total_written / 1048576.0, trivial_moves_,
                        seek_compactions_);
  absl::StrAppendFormat(&r, "write amplification: %.2f\n", wamp);
  absl::StrAppendFormat(&r, "read amplification: %d (sorted runs a point read may probe)\n",
                        sorted_runs + 1 + static_cast<int>(imm_.size()));
  absl::StrAppendFormat(&r, "stalls: slowdown %.3f s, stop %.3f s\n", slowdown_micros_ / 1e6,
                        stop_micros_ / 1e6);
  if (block_cache_) {
    absl::StrAppendFormat(
        &r, "block cache: %.1f MB used of %.1f MB, %d hits, %d misses (%d not admitted)\n",
        block_cache_->TotalCharge() / 1048576.0, block_cache_->Capacity() / 1048576.0,
        block_cache_->hits(), block_cache_->misses(), block_cache_->not_admitted());
  }
  absl::StrAppendFormat(&r, "open tables: %d; background error: %s\n",
                        table_cache_->OpenTables(),
                        bg_error_.ok() ? "none" : std::string(bg_error_.message()));
  return r;
}

}  // namespace lsm
