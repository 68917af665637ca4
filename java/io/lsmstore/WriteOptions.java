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
  public static final WriteOptions DEFAULT = new WriteOptions(false);
  public static final WriteOptions SYNC = new WriteOptions(true);

  private final boolean sync;

  private WriteOptions(boolean sync) {
    this.sync = sync;
  }

  /** {@link #SYNC} or {@link #DEFAULT}. */
  public static WriteOptions of(boolean sync) {
    return sync ? SYNC : DEFAULT;
  }

  public boolean sync() {
    return sync;
  }

  @Override
  public String toString() {
    return "WriteOptions{sync=" + sync + "}";
  }
}
