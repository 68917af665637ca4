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
  private final int maxWriteBufferNumber;
  private final MemTableStructure memtableStructure;
  private final long maxManifestFileSize;
  private final long memoryBudget;
  private final boolean allowMmapReads;
  private final boolean walMmapWrites;
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
    maxWriteBufferNumber = b.maxWriteBufferNumber;
    memtableStructure = b.memtableStructure;
    maxManifestFileSize = b.maxManifestFileSize;
    memoryBudget = b.memoryBudget;
    allowMmapReads = b.allowMmapReads;
    walMmapWrites = b.walMmapWrites;
    targetFileSize = b.targetFileSize;
    maxBytesForLevelBase = b.maxBytesForLevelBase;
    levelSizeMultiplier = b.levelSizeMultiplier;
    level0CompactionTrigger = b.level0CompactionTrigger;
    level0SlowdownWritesTrigger = b.level0SlowdownWritesTrigger;
    level0StopWritesTrigger = b.level0StopWritesTrigger;
  }

  /**
   * Every field at its default.
   *
   * @return the default options
   */
  public static Options defaults() {
    return DEFAULTS;
  }

  /**
   * A builder with every field at its default.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder starting from this value.
   *
   * @return a new builder holding these options
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Create the directory and an empty store when there is none. Default true.
   *
   * @return the value
   */
  public boolean createIfMissing() {
    return createIfMissing;
  }

  /**
   * Fail with FAILED_PRECONDITION when the store already exists. Default false.
   *
   * @return the value
   */
  public boolean errorIfExists() {
    return errorIfExists;
  }

  /**
   * Fail open on any corruption instead of salvaging what can be read. Default false.
   *
   * @return the value
   */
  public boolean paranoidChecks() {
    return paranoidChecks;
  }

  /**
   * What replaying the write-ahead log does with damage. Default {@link
   * WalRecoveryMode#TOLERATE_CORRUPTED_TAIL_RECORDS}.
   *
   * @return the value
   */
  public WalRecoveryMode walRecovery() {
    return walRecovery;
  }

  /**
   * Size at which the memtable being written is frozen (and flushed to an L0 table in the
   * background), bytes. Default 16 MiB.
   *
   * @return the value
   */
  public long writeBufferSize() {
    return writeBufferSize;
  }

  /**
   * Uncompressed size of a data block, bytes. Default 4 KiB.
   *
   * @return the value
   */
  public long blockSize() {
    return blockSize;
  }

  /**
   * Keys between restart points (full keys) in a block. Default 16.
   *
   * @return the value
   */
  public int blockRestartInterval() {
    return blockRestartInterval;
  }

  /**
   * Bloom filter bits per key; 0 disables filters. Default 10.
   *
   * @return the value
   */
  public int bloomBitsPerKey() {
    return bloomBitsPerKey;
  }

  /**
   * How data blocks are compressed. Default {@link Compression#SNAPPY}.
   *
   * @return the value
   */
  public Compression compression() {
    return compression;
  }

  /**
   * Block cache size, bytes. Default 64 MiB.
   *
   * @return the value
   */
  public long blockCacheCapacity() {
    return blockCacheCapacity;
  }

  /**
   * Most table files kept open at once. Default 1000.
   *
   * @return the value
   */
  public int maxOpenFiles() {
    return maxOpenFiles;
  }

  /**
   * Background threads for flushes and compactions. Default 2.
   *
   * @return the value
   */
  public int maxBackgroundJobs() {
    return maxBackgroundJobs;
  }

  /**
   * Memtables kept in memory at most, the one being written included; while that many are
   * full, writers wait for a flush. Default 4; at least 2.
   *
   * @return the value
   */
  public int maxWriteBufferNumber() {
    return maxWriteBufferNumber;
  }

  /**
   * The sorted structure of each memtable. Default {@link MemTableStructure#BTREE}.
   *
   * @return the value
   */
  public MemTableStructure memtableStructure() {
    return memtableStructure;
  }

  /**
   * Size past which the next MANIFEST edit starts a new MANIFEST, bytes. Default 32 MiB.
   *
   * @return the value
   */
  public long maxManifestFileSize() {
    return maxManifestFileSize;
  }

  /**
   * One bound on what the store keeps in memory, bytes; 0 (the default) for none, each part then
   * sized by its own option. When set, a quarter goes to the memtables (the write buffer size is
   * lowered to fit) and the rest is shared by the block cache, the open tables' index and filter
   * blocks and the blocks iterators hold: the cache shrinks as the other two grow. Tables are then
   * read without memory mapping, so file pages do not add to the resident memory. {@link
   * LsmStore#memoryUsage()} reports each part.
   *
   * @return the value
   */
  public long memoryBudget() {
    return memoryBudget;
  }

  /**
   * Whether tables are read through a memory mapping (no system call per block; the mapped pages
   * count in the process's resident memory). Default true; a {@link #memoryBudget()} turns it
   * off.
   *
   * @return the value
   */
  public boolean allowMmapReads() {
    return allowMmapReads;
  }

  /**
   * Whether the write-ahead log is written through a memory mapping of space reserved in advance
   * (a write then costs a memory copy instead of a system call, and still survives a crash of the
   * process) rather than with one write per record. Default true; a file system that cannot
   * reserve space gets the write path.
   *
   * @return the value
   */
  public boolean walMmapWrites() {
    return walMmapWrites;
  }

  /**
   * Target size of one SST written by flush or compaction, bytes. Default 64 MiB.
   *
   * @return the value
   */
  public long targetFileSize() {
    return targetFileSize;
  }

  /**
   * Target total size of L1, bytes; each deeper level is levelSizeMultiplier times larger.
   * Default 256 MiB.
   *
   * @return the value
   */
  public long maxBytesForLevelBase() {
    return maxBytesForLevelBase;
  }

  /**
   * How many times larger each level below L1 is than the one above. Default 10.
   *
   * @return the value
   */
  public int levelSizeMultiplier() {
    return levelSizeMultiplier;
  }

  /**
   * Number of L0 files that starts a compaction. Default 4.
   *
   * @return the value
   */
  public int level0CompactionTrigger() {
    return level0CompactionTrigger;
  }

  /**
   * Number of L0 files at which writers are slowed down. Default 20.
   *
   * @return the value
   */
  public int level0SlowdownWritesTrigger() {
    return level0SlowdownWritesTrigger;
  }

  /**
   * Number of L0 files at which writers wait for compaction. Default 36.
   *
   * @return the value
   */
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
      maxWriteBufferNumber,
      maxManifestFileSize,
      memoryBudget,
      allowMmapReads ? 1 : 0,
      walMmapWrites ? 1 : 0,
      memtableStructure.nativeValue(),
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
        + ", maxWriteBufferNumber=" + maxWriteBufferNumber
        + ", memtableStructure=" + memtableStructure
        + ", maxManifestFileSize=" + maxManifestFileSize
        + ", memoryBudget=" + memoryBudget
        + ", allowMmapReads=" + allowMmapReads
        + ", walMmapWrites=" + walMmapWrites
        + "}";
  }

  /** Builds {@link Options}. Not thread-safe. */
  public static final class Builder {
    private boolean createIfMissing = true;
    private boolean errorIfExists = false;
    private boolean paranoidChecks = false;
    private WalRecoveryMode walRecovery = WalRecoveryMode.TOLERATE_CORRUPTED_TAIL_RECORDS;
    private long writeBufferSize = 16L << 20;
    private long blockSize = 4096;
    private int blockRestartInterval = 16;
    private int bloomBitsPerKey = 10;
    private Compression compression = Compression.SNAPPY;
    private long blockCacheCapacity = 64L << 20;
    private int maxOpenFiles = 1000;
    private int maxBackgroundJobs = 2;
    private int maxWriteBufferNumber = 4;
    private MemTableStructure memtableStructure = MemTableStructure.BTREE;
    private long maxManifestFileSize = 32L << 20;
    private long memoryBudget = 0;
    private boolean allowMmapReads = true;
    private boolean walMmapWrites = true;
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
      maxWriteBufferNumber = o.maxWriteBufferNumber;
      memtableStructure = o.memtableStructure;
      maxManifestFileSize = o.maxManifestFileSize;
      memoryBudget = o.memoryBudget;
      allowMmapReads = o.allowMmapReads;
      walMmapWrites = o.walMmapWrites;
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

    /**
     * Sets {@link Options#createIfMissing()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder createIfMissing(boolean v) {
      createIfMissing = v;
      return this;
    }

    /**
     * Sets {@link Options#errorIfExists()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder errorIfExists(boolean v) {
      errorIfExists = v;
      return this;
    }

    /**
     * Sets {@link Options#paranoidChecks()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder paranoidChecks(boolean v) {
      paranoidChecks = v;
      return this;
    }

    /**
     * Sets {@link Options#walRecovery()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder walRecovery(WalRecoveryMode v) {
      walRecovery = Objects.requireNonNull(v, "walRecovery");
      return this;
    }

    /**
     * Sets {@link Options#writeBufferSize()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder writeBufferSize(long v) {
      writeBufferSize = positive(v, "writeBufferSize");
      return this;
    }

    /**
     * Sets {@link Options#blockSize()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder blockSize(long v) {
      blockSize = positive(v, "blockSize");
      return this;
    }

    /**
     * Sets {@link Options#blockRestartInterval()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder blockRestartInterval(int v) {
      blockRestartInterval = positive(v, "blockRestartInterval");
      return this;
    }

    /**
     * Sets {@link Options#bloomBitsPerKey()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder bloomBitsPerKey(int v) {
      bloomBitsPerKey = nonNegative(v, "bloomBitsPerKey");
      return this;
    }

    /**
     * Sets {@link Options#compression()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder compression(Compression v) {
      compression = Objects.requireNonNull(v, "compression");
      return this;
    }

    /**
     * Sets {@link Options#blockCacheCapacity()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder blockCacheCapacity(long v) {
      blockCacheCapacity = nonNegative(v, "blockCacheCapacity");
      return this;
    }

    /**
     * Sets {@link Options#maxOpenFiles()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder maxOpenFiles(int v) {
      maxOpenFiles = positive(v, "maxOpenFiles");
      return this;
    }

    /**
     * Sets {@link Options#maxBackgroundJobs()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder maxBackgroundJobs(int v) {
      maxBackgroundJobs = positive(v, "maxBackgroundJobs");
      return this;
    }

    /**
     * Sets {@link Options#maxWriteBufferNumber()}.
     *
     * @param v the value, at least 2
     * @return this builder
     */
    public Builder maxWriteBufferNumber(int v) {
      if (v < 2) {
        throw new IllegalArgumentException("maxWriteBufferNumber must be at least 2, got " + v);
      }
      maxWriteBufferNumber = v;
      return this;
    }

    /**
     * Sets {@link Options#memtableStructure()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder memtableStructure(MemTableStructure v) {
      memtableStructure = Objects.requireNonNull(v, "memtableStructure");
      return this;
    }

    /**
     * Sets {@link Options#maxManifestFileSize()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder maxManifestFileSize(long v) {
      maxManifestFileSize = positive(v, "maxManifestFileSize");
      return this;
    }

    /**
     * Sets {@link Options#memoryBudget()}.
     *
     * @param v the value, 0 for none
     * @return this builder
     */
    public Builder memoryBudget(long v) {
      memoryBudget = nonNegative(v, "memoryBudget");
      return this;
    }

    /**
     * Sets {@link Options#allowMmapReads()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder allowMmapReads(boolean v) {
      allowMmapReads = v;
      return this;
    }

    /**
     * Sets {@link Options#walMmapWrites()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder walMmapWrites(boolean v) {
      walMmapWrites = v;
      return this;
    }

    /**
     * Sets {@link Options#targetFileSize()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder targetFileSize(long v) {
      targetFileSize = positive(v, "targetFileSize");
      return this;
    }

    /**
     * Sets {@link Options#maxBytesForLevelBase()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder maxBytesForLevelBase(long v) {
      maxBytesForLevelBase = positive(v, "maxBytesForLevelBase");
      return this;
    }

    /**
     * Sets {@link Options#levelSizeMultiplier()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder levelSizeMultiplier(int v) {
      levelSizeMultiplier = positive(v, "levelSizeMultiplier");
      return this;
    }

    /**
     * Sets {@link Options#level0CompactionTrigger()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder level0CompactionTrigger(int v) {
      level0CompactionTrigger = positive(v, "level0CompactionTrigger");
      return this;
    }

    /**
     * Sets {@link Options#level0SlowdownWritesTrigger()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder level0SlowdownWritesTrigger(int v) {
      level0SlowdownWritesTrigger = positive(v, "level0SlowdownWritesTrigger");
      return this;
    }

    /**
     * Sets {@link Options#level0StopWritesTrigger()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder level0StopWritesTrigger(int v) {
      level0StopWritesTrigger = positive(v, "level0StopWritesTrigger");
      return this;
    }

    /**
     * The options set so far.
     *
     * @return an immutable Options
     */
    public Options build() {
      return new Options(this);
    }
  }
}
