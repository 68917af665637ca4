package io.lsmstore;

import java.util.HashMap;
import java.util.Map;

/**
 * The memory a store holds, by part, in bytes ({@link LsmStore#memoryUsage()}). An immutable
 * snapshot; thread-safe.
 */
public final class MemoryUsage {
  private final long activeMemtable;
  private final long frozenMemtables;
  private final long blockCache;
  private final long blockCacheCapacity;
  private final long tableReaders;
  private final long iteratorPinned;
  private final long budget;
  private final long total;

  private MemoryUsage(Map<String, Long> v) {
    activeMemtable = get(v, "memtable.active");
    frozenMemtables = get(v, "memtable.frozen");
    blockCache = get(v, "block.cache");
    blockCacheCapacity = get(v, "block.cache.capacity");
    tableReaders = get(v, "table.readers");
    iteratorPinned = get(v, "iterator.pinned");
    budget = get(v, "budget");
    total = get(v, "total");
  }

  /** Parses the engine's "lsm.memory" property ("name value" lines). */
  static MemoryUsage parse(String text) {
    Map<String, Long> v = new HashMap<>();
    for (String line : text.split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0) {
        v.put(line.substring(0, space), Long.parseLong(line.substring(space + 1).trim()));
      }
    }
    return new MemoryUsage(v);
  }

  private static long get(Map<String, Long> v, String name) {
    Long value = v.get(name);
    if (value == null) {
      throw new IllegalStateException("lsm.memory lacks " + name + " (jar and library differ?)");
    }
    return value;
  }

  /** @return bytes of the memtable being written */
  public long activeMemtable() {
    return activeMemtable;
  }

  /** @return bytes of the frozen memtables waiting for their flush */
  public long frozenMemtables() {
    return frozenMemtables;
  }

  /** @return bytes of blocks in the block cache */
  public long blockCache() {
    return blockCache;
  }

  /** @return the block cache's capacity in bytes */
  public long blockCacheCapacity() {
    return blockCacheCapacity;
  }

  /** @return bytes the open tables hold outside the cache: index and filter blocks */
  public long tableReaders() {
    return tableReaders;
  }

  /** @return bytes of the data blocks open iterators hold (cached or not) */
  public long iteratorPinned() {
    return iteratorPinned;
  }

  /** @return {@link Options#memoryBudget()} the store was opened with; 0 for none */
  public long budget() {
    return budget;
  }

  /** @return the sum of the parts */
  public long total() {
    return total;
  }

  @Override
  public String toString() {
    return "MemoryUsage{activeMemtable=" + activeMemtable + ", frozenMemtables=" + frozenMemtables
        + ", blockCache=" + blockCache + ", blockCacheCapacity=" + blockCacheCapacity
        + ", tableReaders=" + tableReaders + ", iteratorPinned=" + iteratorPinned
        + ", budget=" + budget + ", total=" + total + "}";
  }
}
