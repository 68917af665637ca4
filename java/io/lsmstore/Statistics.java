package io.lsmstore;

import java.time.Duration;

/**
 * What a store did since it was opened ({@link LsmStore#statistics()}): counters and latency
 * percentiles a service exports. An immutable snapshot; thread-safe.
 */
public final class Statistics {
  /** Latencies of one kind of call. */
  public static final class Latency {
    private final long count;
    private final long meanNanos;
    private final long p50Nanos;
    private final long p99Nanos;
    private final long p999Nanos;
    private final long maxNanos;

    private Latency(long[] v, int at) {
      count = v[at];
      meanNanos = v[at + 1];
      p50Nanos = v[at + 2];
      p99Nanos = v[at + 3];
      p999Nanos = v[at + 4];
      maxNanos = v[at + 5];
    }

    /**
     * Calls timed.
     *
     * @return the count
     */
    public long count() {
      return count;
    }

    /**
     * Mean.
     *
     * @return the mean
     */
    public Duration mean() {
      return Duration.ofNanos(meanNanos);
    }

    /**
     * Median (the upper bound of its histogram bucket, about 19% wide).
     *
     * @return the median
     */
    public Duration p50() {
      return Duration.ofNanos(p50Nanos);
    }

    /**
     * 99th percentile.
     *
     * @return the percentile
     */
    public Duration p99() {
      return Duration.ofNanos(p99Nanos);
    }

    /**
     * 99.9th percentile.
     *
     * @return the percentile
     */
    public Duration p999() {
      return Duration.ofNanos(p999Nanos);
    }

    /**
     * Slowest call.
     *
     * @return the maximum
     */
    public Duration max() {
      return Duration.ofNanos(maxNanos);
    }

    @Override
    public String toString() {
      return "Latency{count=" + count + ", mean=" + mean() + ", p50=" + p50() + ", p99="
          + p99() + ", p999=" + p999() + ", max=" + max() + "}";
    }
  }

  private static final int COUNTERS = 18;
  private static final int LENGTH = COUNTERS + 3 * 6;

  private final long[] v;
  private final Latency getLatency;
  private final Latency writeLatency;
  private final Latency seekLatency;

  /** From the native layout (GetStatistics in jni/lsm_jni.cc). */
  Statistics(long[] v) {
    if (v.length != LENGTH) {
      throw new IllegalStateException(
          "statistics of " + v.length + " fields, expected " + LENGTH + " (jar and library differ?)");
    }
    this.v = v.clone();
    getLatency = new Latency(this.v, COUNTERS);
    writeLatency = new Latency(this.v, COUNTERS + 6);
    seekLatency = new Latency(this.v, COUNTERS + 12);
  }

  /** @return keys looked up by get and multiGet */
  public long gets() {
    return v[0];
  }

  /** @return keys looked up that were found */
  public long getsFound() {
    return v[1];
  }

  /** @return value bytes get and multiGet returned */
  public long bytesRead() {
    return v[2];
  }

  /** @return block cache hits */
  public long blockCacheHits() {
    return v[3];
  }

  /** @return block cache misses */
  public long blockCacheMisses() {
    return v[4];
  }

  /**
   * Block cache misses whose block was not cached: the cache was full, and the block had not been
   * looked up more often recently than the one it would have evicted. Counted among {@link
   * #blockCacheMisses()}.
   *
   * @return the misses not admitted
   */
  public long blockCacheNotAdmitted() {
    return v[17];
  }

  /** @return point lookups a table's bloom filter was asked about */
  public long bloomChecks() {
    return v[5];
  }

  /** @return lookups a bloom filter answered "absent", saving a block read */
  public long bloomUseful() {
    return v[6];
  }

  /** @return put, delete and write calls */
  public long writes() {
    return v[7];
  }

  /** @return log records written (one per group commit) */
  public long writeGroups() {
    return v[8];
  }

  /** @return log syncs */
  public long walSyncs() {
    return v[9];
  }

  /** @return user bytes written */
  public long bytesWritten() {
    return v[10];
  }

  /** @return memtable flushes */
  public long flushes() {
    return v[11];
  }

  /** @return bytes flushes wrote */
  public long flushBytesWritten() {
    return v[12];
  }

  /** @return compactions, trivial moves included */
  public long compactions() {
    return v[13];
  }

  /** @return bytes compactions read */
  public long compactionBytesRead() {
    return v[14];
  }

  /** @return bytes compactions wrote */
  public long compactionBytesWritten() {
    return v[15];
  }

  /** @return time writers were slowed down or stopped by backpressure */
  public Duration stall() {
    return Duration.ofNanos(v[16] * 1000);
  }

  /** @return latencies of get (one per call) and multiGet (one per call) */
  public Latency getLatency() {
    return getLatency;
  }

  /** @return latencies of put, delete and write */
  public Latency writeLatency() {
    return writeLatency;
  }

  /** @return latencies of the iterators' seeks (seek, seekForPrev, seekToFirst, seekToLast) */
  public Latency seekLatency() {
    return seekLatency;
  }

  @Override
  public String toString() {
    return "Statistics{gets=" + gets() + ", getsFound=" + getsFound() + ", bytesRead=" + bytesRead()
        + ", blockCacheHits=" + blockCacheHits() + ", blockCacheMisses=" + blockCacheMisses()
        + ", blockCacheNotAdmitted=" + blockCacheNotAdmitted()
        + ", bloomChecks=" + bloomChecks() + ", bloomUseful=" + bloomUseful()
        + ", writes=" + writes() + ", writeGroups=" + writeGroups() + ", walSyncs=" + walSyncs()
        + ", bytesWritten=" + bytesWritten() + ", flushes=" + flushes()
        + ", flushBytesWritten=" + flushBytesWritten() + ", compactions=" + compactions()
        + ", compactionBytesRead=" + compactionBytesRead()
        + ", compactionBytesWritten=" + compactionBytesWritten() + ", stall=" + stall()
        + ", getLatency=" + getLatency + ", writeLatency=" + writeLatency
        + ", seekLatency=" + seekLatency + "}";
  }
}
