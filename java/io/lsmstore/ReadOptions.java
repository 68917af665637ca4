package io.lsmstore;

import java.util.Arrays;

/**
 * Options of a read ({@code get}) or an iterator; mirrors {@code lsm::ReadOptions}. Immutable;
 * build with {@link #builder()}, or use {@link #defaults()}.
 *
 * <ul>
 *   <li>{@code snapshot}: read as of this {@link Snapshot} (null: the latest state). Using the
 *       options after the snapshot is closed throws IllegalStateException.
 *   <li>{@code verifyChecksums} (default true), {@code fillCache} (default true).
 *   <li>{@code lowerBound} (inclusive) and {@code upperBound} (exclusive): iterator bounds; null
 *       is unbounded. Ignored by {@code get}.
 * </ul>
 *
 * <p>Thread safety: immutable (the bound arrays are copied in and out).
 */
public final class ReadOptions {
  private static final ReadOptions DEFAULTS = new Builder().build();

  // Bits of the flags int liblsmjni reads (kRead* in jni/lsm_jni.cc).
  private static final int VERIFY_CHECKSUMS = 1;
  private static final int FILL_CACHE = 2;

  private final Snapshot snapshot;
  private final boolean verifyChecksums;
  private final boolean fillCache;
  private final byte[] lowerBound;
  private final byte[] upperBound;

  private ReadOptions(Builder b) {
    snapshot = b.snapshot;
    verifyChecksums = b.verifyChecksums;
    fillCache = b.fillCache;
    lowerBound = b.lowerBound;
    upperBound = b.upperBound;
  }

  /**
   * Every field at its default: the latest state, checksums verified, blocks cached, no bounds.
   *
   * @return the default options
   */
  public static ReadOptions defaults() {
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
   * The snapshot reads see.
   *
   * @return the snapshot, or null for the latest state
   */
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * Whether blocks read are checked against their checksums. Default true. A block read from a
   * file is checked; from a memory-mapped table, each block is checked on its first such read
   * while the table is open.
   *
   * @return the value
   */
  public boolean verifyChecksums() {
    return verifyChecksums;
  }

  /**
   * Whether blocks read are added to the block cache. Default true.
   *
   * @return the value
   */
  public boolean fillCache() {
    return fillCache;
  }

  /**
   * The inclusive lower bound of iterators.
   *
   * @return a copy of the bound, or null
   */
  public byte[] lowerBound() {
    return lowerBound == null ? null : lowerBound.clone();
  }

  /**
   * The exclusive upper bound of iterators.
   *
   * @return a copy of the bound, or null
   */
  public byte[] upperBound() {
    return upperBound == null ? null : upperBound.clone();
  }

  int nativeFlags() {
    return (verifyChecksums ? VERIFY_CHECKSUMS : 0) | (fillCache ? FILL_CACHE : 0);
  }

  byte[] lowerBoundNoCopy() {
    return lowerBound;
  }

  byte[] upperBoundNoCopy() {
    return upperBound;
  }

  @Override
  public String toString() {
    return "ReadOptions{snapshot=" + snapshot
        + ", verifyChecksums=" + verifyChecksums
        + ", fillCache=" + fillCache
        + ", lowerBound=" + Arrays.toString(lowerBound)
        + ", upperBound=" + Arrays.toString(upperBound)
        + "}";
  }

  /** Builds {@link ReadOptions}. Not thread-safe. */
  public static final class Builder {
    private Snapshot snapshot;
    private boolean verifyChecksums = true;
    private boolean fillCache = true;
    private byte[] lowerBound;
    private byte[] upperBound;

    private Builder() {}

    private Builder(ReadOptions o) {
      snapshot = o.snapshot;
      verifyChecksums = o.verifyChecksums;
      fillCache = o.fillCache;
      lowerBound = o.lowerBound;
      upperBound = o.upperBound;
    }

    /**
     * Reads as of a snapshot.
     *
     * @param snapshot the snapshot; null reads the latest state
     * @return this builder
     */
    public Builder snapshot(Snapshot snapshot) {
      this.snapshot = snapshot;
      return this;
    }

    /**
     * Sets {@link ReadOptions#verifyChecksums()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder verifyChecksums(boolean v) {
      verifyChecksums = v;
      return this;
    }

    /**
     * Sets {@link ReadOptions#fillCache()}.
     *
     * @param v the value
     * @return this builder
     */
    public Builder fillCache(boolean v) {
      fillCache = v;
      return this;
    }

    /**
     * Sets the inclusive lower bound of iterators.
     *
     * @param bound the bound (copied); null for none
     * @return this builder
     */
    public Builder lowerBound(byte[] bound) {
      lowerBound = bound == null ? null : bound.clone();
      return this;
    }

    /**
     * Sets the exclusive upper bound of iterators.
     *
     * @param bound the bound (copied); null for none
     * @return this builder
     */
    public Builder upperBound(byte[] bound) {
      upperBound = bound == null ? null : bound.clone();
      return this;
    }

    /**
     * The options set so far.
     *
     * @return an immutable ReadOptions
     */
    public ReadOptions build() {
      return new ReadOptions(this);
    }
  }
}
