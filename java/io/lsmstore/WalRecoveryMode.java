package io.lsmstore;

/** What replaying the write-ahead log does with damage; mirrors {@code lsm::WalRecoveryMode}. */
public enum WalRecoveryMode {
  /**
   * A torn or damaged record at the very end of the newest log (a crash mid-write) is dropped;
   * damage anywhere else is DATA_LOSS. The default.
   */
  TOLERATE_CORRUPTED_TAIL_RECORDS(0),
  /** Any damage at all is DATA_LOSS. */
  ABSOLUTE_CONSISTENCY(1),
  /** Replay stops at the first damage; everything before it is kept. */
  POINT_IN_TIME(2),
  /** Damaged records are skipped and replay continues after them. */
  SKIP_ANY_CORRUPTED_RECORDS(3);

  private final int value;

  WalRecoveryMode(int value) {
    this.value = value;
  }

  int nativeValue() {
    return value;
  }
}
