package io.lsmstore;

import java.lang.ref.Cleaner;

/**
 * A consistent, read-only view of a store at one point in time: reads through {@link
 * ReadOptions} naming it see exactly the writes made before {@link LsmStore#getSnapshot()}.
 *
 * <p>Holding a snapshot keeps old versions of overwritten keys on disk; close it when done.
 * Closing the store closes its snapshots. An iterator opened on a snapshot keeps reading the
 * snapshot's view after the snapshot is closed, until the iterator is closed.
 *
 * <p>Thread safety: safe for concurrent use; close is idempotent and waits for the reads using
 * the snapshot that are in flight.
 */
public final class Snapshot implements AutoCloseable {
  /** The native snapshot; a child of its store's state. */
  static final class State extends NativeState {
    final long handle;
    private final LsmStore.State store;

    State(long handle, LsmStore.State store) {
      super("Snapshot");
      this.handle = handle;
      this.store = store;
    }

    @Override
    void free() {
      NativeMethods.releaseSnapshot(handle);
      store.removeChild(this);
    }
  }

  private final LsmStore store; // keeps the store reachable while the snapshot is
  final State state;
  private final Cleaner.Cleanable cleanable;
  private final long sequence;

  Snapshot(LsmStore store, State state, long sequence) {
    this.store = store;
    this.state = state;
    this.sequence = sequence;
    this.cleanable = state.registerCleaner(this);
  }

  LsmStore store() {
    return store;
  }

  /**
   * The sequence number the snapshot reads at. Stays readable after close.
   *
   * @return the sequence number
   */
  public long sequence() {
    return sequence;
  }

  /**
   * Whether {@link #close()} was called, or the store was closed.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return state.isClosed();
  }

  /** Releases the snapshot. Idempotent; a closed snapshot in ReadOptions fails the read. */
  @Override
  public void close() {
    state.close("closed by the caller");
    cleanable.clean();
  }

  @Override
  public String toString() {
    return "Snapshot{sequence=" + sequence + (isClosed() ? ", closed" : "") + "}";
  }
}
