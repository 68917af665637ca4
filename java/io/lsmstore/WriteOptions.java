package io.lsmstore;

/**
 * Options of a write; mirrors {@code lsm::WriteOptions}.
 *
 * <ul>
 *   <li>{@link #DEFAULT} ({@code sync = false}): a write returns once its log record is handed to
 *       the OS; it survives a crash of the process, not of the machine.
 *   <li>{@link #SYNC} ({@code sync = true}): a write returns once its log record is on stable
 *       storage (fdatasync); it survives a power loss.
 * </ul>
 *
 * <p>Thread safety: immutable.
 */
public final class WriteOptions {
  /** Returns once the log record is handed to the OS: survives a crash of the process. */
  public static final WriteOptions DEFAULT = new WriteOptions(false);

  /** Returns once the log record is on stable storage (fdatasync): survives a power loss. */
  public static final WriteOptions SYNC = new WriteOptions(true);

  private final boolean sync;

  private WriteOptions(boolean sync) {
    this.sync = sync;
  }

  /**
   * The options for a sync flag.
   *
   * @param sync whether a write waits for stable storage
   * @return {@link #SYNC} or {@link #DEFAULT}
   */
  public static WriteOptions of(boolean sync) {
    return sync ? SYNC : DEFAULT;
  }

  /**
   * Whether a write waits for stable storage.
   *
   * @return the sync flag
   */
  public boolean sync() {
    return sync;
  }

  @Override
  public String toString() {
    return "WriteOptions{sync=" + sync + "}";
  }
}
