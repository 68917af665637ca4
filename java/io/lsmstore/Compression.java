package io.lsmstore;

/**
 * How SST data blocks are compressed; mirrors {@code lsm::Compression}. The numbers are persisted
 * in every block trailer and are frozen.
 */
public enum Compression {
  NONE(0),
  SNAPPY(1),
  ZSTD(2);

  private final int value;

  Compression(int value) {
    this.value = value;
  }

  int nativeValue() {
    return value;
  }
}
