package io.lsmstore;

import java.util.Objects;

/**
 * How a store is opened and tuned: an immutable value mirroring {@code lsm::Options}, built with
 * {@link #builder()}. Every field has the C++ default; {@link #defaults()} is the all-default
 * value.
 *
 * <pre>{@code
 * Options options = Options.builder()
 *     .writeBufferSize(8 << 20)
 *     .compression(Compression.ZSTD)
 *     .build();
 * }</pre>
 *
 * <p>The builder rejects values no engine could accept (negative sizes, zero block size) with
 * {@link IllegalArgumentException}; the engine may still reject a combination at {@link
 * LsmStore#open} with an INVALID_ARGUMENT {@link LsmException}. The C++ {@code env} field has no
 * Java counterpart: a store opened from Java always uses the POSIX environment.
 *
 * <p>Thread safety: immutable; share freely.
 */
public final class Options {
  private static final Options DEFAULTS = new Builder().build();

  // ---- Behaviour ----
  private final boolean createIfMissing;
  private final boolean errorIfExists;
  private final boolean paranoidChecks;
  private final WalRecoveryMode walRecovery;
  // ---- Performance ----
  private final long writeBufferSize;
  private final long blockSize;
  private final int blockRestartInterval;
  private final int bloomBitsPerKey;
  private final Compression compression;
  private final long blockCacheCapacity;
  private final int maxOpenFiles;
  private final int maxBackgroundJobs;
  // ---- Level shape and backpressure ----
  private final long targetFileSize;
  private final long maxBytesForLevelBase;
  private final int levelSizeMultiplier;
  private final int level0CompactionTrigger;
  private final int level0SlowdownWritesTrigger;
  private final int level0StopWritesTrigger;

  private Options(Builder b) {
    createIfMissing = b.createIfMissing;
    errorIfExists = b.errorIfExists;
    paranoidChecks = b.paranoidChecks;
    walRecovery = b.walRecovery;
    writeBufferSize = b.writeBufferSize;
    blockSize = b.blockSize;
    blockRestartInterval = b.blockRestartInterval;
    bloomBitsPerKey = b.bloomBitsPerKey;
    compression = b.compression;
    blockCacheCapacity = b.blockCacheCapacity;
    maxOpenFiles = b.maxOpenFiles;
    maxBackgroundJobs = b.maxBackgroundJobs;
    targetFileSize = b.targetFileSize;
    maxBytesForLevelBase = b.maxBytesForLevelBase;
    levelSizeMultiplier = b.levelSizeMultiplier;
    level0CompactionTrigger = b.level0CompactionTrigger;
    level0SlowdownWritesTrigger = b.level0SlowdownWritesTrigger;
    level0StopWritesTrigger = b.level0StopWritesTrigger;
  }

  /** Every field at its default. */
  public static Options defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this value. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Create the directory and an empty store when there is none. Default true. */
  public boolean createIfMissing() {
    return createIfMissing;
  }

  /** Fail with FAILED_PRECONDITION when the store already exists. Default false. */
  public boolean errorIfExists() {
    return errorIfExists;
  }

  /** Fail open on any corruption instead of salvaging what can be read. Default false. */
  public boolean paranoidChecks() {
    return paranoidChecks;
  }

  public WalRecoveryMode walRecovery() {
    return walRecovery;
  }

  /** Memtable size that triggers a flush to an L0 table, bytes. Default 64 MiB. */
  public long writeBufferSize() {
    return writeBufferSize;
  }

  /** Uncompressed size of a data block, bytes. Default 4 KiB. */
  public long blockSize() {
    return blockSize;
  }

  public int blockRestartInterval() {
    return blockRestartInterval;
  }

  /** Bloom filter bits per key; 0 disables filters. Default 10. */
  public int bloomBitsPerKey() {
    return bloomBitsPerKey;
  }

  public Compression compression() {
    return compression;
  }

  /** Block cache size, bytes. Default 64 MiB. */
  public long blockCacheCapacity() {
    return blockCacheCapacity;
  }

  public int maxOpenFiles() {
    return maxOpenFiles;
  }

  public int maxBackgroundJobs() {
    return maxBackgroundJobs;
  }

  /** Target size of one SST written by flush or compaction, bytes. Default 64 MiB. */
  public long targetFileSize() {
    return targetFileSize;
  }

  /** Target total size of L1, bytes; each deeper level is levelSizeMultiplier times larger. */
  public long maxBytesForLevelBase() {
    return maxBytesForLevelBase;
  }

  public int levelSizeMultiplier() {
    return levelSizeMultiplier;
  }

  public int level0CompactionTrigger() {
    return level0CompactionTrigger;
  }

  public int level0SlowdownWritesTrigger() {
    return level0SlowdownWritesTrigger;
  }

  public int level0StopWritesTrigger() {
    return level0StopWritesTrigger;
  }

  /** The layout liblsmjni reads (OptionIndex in jni/lsm_jni.cc): keep the two in step. */
  long[] toNativeArray() {
    return new long[] {
      createIfMissing ? 1 : 0,
      errorIfExists ? 1 : 0,
      paranoidChecks ? 1 : 0,
      walRecovery.nativeValue(),
      writeBufferSize,
      blockSize,
      blockRestartInterval,
      bloomBitsPerKey,
      compression.nativeValue(),
      blockCacheCapacity,
      maxOpenFiles,
      maxBackgroundJobs,
      targetFileSize,
      maxBytesForLevelBase,
      levelSizeMultiplier,
      level0CompactionTrigger,
      level0SlowdownWritesTrigger,
      level0StopWritesTrigger,
    };
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Options)) {
      return false;
    }
    return java.util.Arrays.equals(toNativeArray(), ((Options) o).toNativeArray());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(toNativeArray());
  }

  @Override
  public String toString() {
    return "Options{createIfMissing=" + createIfMissing
        + ", errorIfExists=" + errorIfExists
        + ", paranoidChecks=" + paranoidChecks
        + ", walRecovery=" + walRecovery
        + ", writeBufferSize=" + writeBufferSize
        + ", blockSize=" + blockSize
        + ", blockRestartInterval=" + blockRestartInterval
        + ", bloomBitsPerKey=" + bloomBitsPerKey
        + ", compression=" + compression
        + ", blockCacheCapacity=" + blockCacheCapacity
        + ", maxOpenFiles=" + maxOpenFiles
        + ", maxBackgroundJobs=" + maxBackgroundJobs
        + ", targetFileSize=" + targetFileSize
        + ", maxBytesForLevelBase=" + maxBytesForLevelBase
        + ", levelSizeMultiplier=" + levelSizeMultiplier
        + ", level0CompactionTrigger=" + level0CompactionTrigger
        + ", level0SlowdownWritesTrigger=" + level0SlowdownWritesTrigger
        + ", level0StopWritesTrigger=" + level0StopWritesTrigger
        + "}";
  }

  /** Builds {@link Options}. Not thread-safe. */
  public static final class Builder {
    private boolean createIfMissing = true;
    private boolean errorIfExists = false;
    private boolean paranoidChecks = false;
    private WalRecoveryMode walRecovery = WalRecoveryMode.TOLERATE_CORRUPTED_TAIL_RECORDS;
    private long writeBufferSize = 64L << 20;
    private long blockSize = 4096;
    private int blockRestartInterval = 16;
    private int bloomBitsPerKey = 10;
    private Compression compression = Compression.SNAPPY;
    private long blockCacheCapacity = 64L << 20;
    private int maxOpenFiles = 1000;
    private int maxBackgroundJobs = 2;
    private long targetFileSize = 64L << 20;
    private long maxBytesForLevelBase = 256L << 20;
    private int levelSizeMultiplier = 10;
    private int level0CompactionTrigger = 4;
    private int level0SlowdownWritesTrigger = 20;
    private int level0StopWritesTrigger = 36;

    private Builder() {}

    private Builder(Options o) {
      createIfMissing = o.createIfMissing;
      errorIfExists = o.errorIfExists;
      paranoidChecks = o.paranoidChecks;
      walRecovery = o.walRecovery;
      writeBufferSize = o.writeBufferSize;
      blockSize = o.blockSize;
      blockRestartInterval = o.blockRestartInterval;
      bloomBitsPerKey = o.bloomBitsPerKey;
      compression = o.compression;
      blockCacheCapacity = o.blockCacheCapacity;
      maxOpenFiles = o.maxOpenFiles;
      maxBackgroundJobs = o.maxBackgroundJobs;
      targetFileSize = o.targetFileSize;
      maxBytesForLevelBase = o.maxBytesForLevelBase;
      levelSizeMultiplier = o.levelSizeMultiplier;
      level0CompactionTrigger = o.level0CompactionTrigger;
      level0SlowdownWritesTrigger = o.level0SlowdownWritesTrigger;
      level0StopWritesTrigger = o.level0StopWritesTrigger;
    }

    private static long positive(long v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + v);
      }
      return v;
    }

    private static int positive(int v, String name) {
      return (int) positive((long) v, name);
    }

    private static int nonNegative(int v, String name) {
      if (v < 0) {
        throw new IllegalArgumentException(name + " must not be negative, got " + v);
      }
      return v;
    }

    private static long nonNegative(long v, String name) {
      if (v < 0) {
        throw new IllegalArgumentException(name + " must not be negative, got " + v);
      }
      return v;
    }

    public Builder createIfMissing(boolean v) {
      createIfMissing = v;
      return this;
    }

    public Builder errorIfExists(boolean v) {
      errorIfExists = v;
      return this;
    }

    public Builder paranoidChecks(boolean v) {
      paranoidChecks = v;
      return this;
    }

    public Builder walRecovery(WalRecoveryMode v) {
      walRecovery = Objects.requireNonNull(v, "walRecovery");
      return this;
    }

    public Builder writeBufferSize(long v) {
      writeBufferSize = positive(v, "writeBufferSize");
      return this;
    }

    public Builder blockSize(long v) {
      blockSize = positive(v, "blockSize");
      return this;
    }

    public Builder blockRestartInterval(int v) {
      blockRestartInterval = positive(v, "blockRestartInterval");
      return this;
    }

    public Builder bloomBitsPerKey(int v) {
      bloomBitsPerKey = nonNegative(v, "bloomBitsPerKey");
      return this;
    }

    public Builder compression(Compression v) {
      compression = Objects.requireNonNull(v, "compression");
      return this;
    }

    public Builder blockCacheCapacity(long v) {
      blockCacheCapacity = nonNegative(v, "blockCacheCapacity");
      return this;
    }

    public Builder maxOpenFiles(int v) {
      maxOpenFiles = positive(v, "maxOpenFiles");
      return this;
    }

    public Builder maxBackgroundJobs(int v) {
      maxBackgroundJobs = positive(v, "maxBackgroundJobs");
      return this;
    }

    public Builder targetFileSize(long v) {
      targetFileSize = positive(v, "targetFileSize");
      return this;
    }

    public Builder maxBytesForLevelBase(long v) {
      maxBytesForLevelBase = positive(v, "maxBytesForLevelBase");
      return this;
    }

    public Builder levelSizeMultiplier(int v) {
      levelSizeMultiplier = positive(v, "levelSizeMultiplier");
      return this;
    }

    public Builder level0CompactionTrigger(int v) {
      level0CompactionTrigger = positive(v, "level0CompactionTrigger");
      return this;
    }

    public Builder level0SlowdownWritesTrigger(int v) {
      level0SlowdownWritesTrigger = positive(v, "level0SlowdownWritesTrigger");
      return this;
    }

    public Builder level0StopWritesTrigger(int v) {
      level0StopWritesTrigger = positive(v, "level0StopWritesTrigger");
      return this;
    }

    public Options build() {
      return new Options(this);
    }
  }
}
