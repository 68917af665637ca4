package io.lsmstore;

/**
 * How SST data blocks are compressed; mirrors {@code lsm::Compression}. The numbers are persisted
 * in every block trailer and are frozen.
 */
public enum Compression {
  /**
   * Blocks are stored as they are. From a memory-mapped table (the default) they are then read in
   * place, without a copy or a block cache entry: the fastest reads, for more disk space.
   */
  NONE(0),
  /** Snappy: fast, a moderate ratio (the default). */
  SNAPPY(1),
  /** Zstandard: a better ratio for more CPU. */
  ZSTD(2);

  private final int value;

  Compression(int value) {
    this.value = value;
  }

  int nativeValue() {
    return value;
  }
}
