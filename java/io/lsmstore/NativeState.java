package io.lsmstore;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The native half of a public object ({@link LsmStore}, {@link LsmIterator}, {@link Snapshot}):
 * the handle, the {@link CallGuard} of the calls using it, and the code that frees it.
 *
 * <p>The public object holds its state and registers it with a {@link Cleaner}; the state never
 * refers back to the public object, so the public object can become unreachable and the Cleaner
 * then runs {@link #run()}, which frees the handle and reports the leak once (a WARNING through
 * {@link System.Logger} named {@code io.lsmstore}). An explicit {@link #close()} frees it first,
 * after which the Cleaner's run does nothing.
 *
 * <p>Thread safety: {@link #close()} is idempotent and may race with itself and with calls: it
 * holds this object's monitor while it drains the guard and frees, so a second closer returns
 * only once the handle is really gone (a store closing its children relies on that).
 */
abstract class NativeState implements Runnable {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final System.Logger LOG = System.getLogger("io.lsmstore");
  private static final AtomicLong LEAKS = new AtomicLong();
  /** When true, each object remembers where it was created, and a leak report names the place. */
  private static final boolean TRACK_LEAKS = Boolean.getBoolean("io.lsmstore.trackLeaks");

  final CallGuard guard = new CallGuard();
  private final String kind;
  private final Throwable origin;
  private boolean freed; // guarded by this
  private volatile String closedBecause; // why it was closed, for error messages

  NativeState(String kind) {
    this.kind = kind;
    this.origin = TRACK_LEAKS ? new Throwable(kind + " created here") : null;
  }

  /** Registers this state to be freed when {@code owner} becomes unreachable. */
  final Cleaner.Cleanable registerCleaner(Object owner) {
    return CLEANER.register(owner, this);
  }

  /** Frees the native object. Called at most once, holding this monitor, with no call inside. */
  abstract void free();

  /** Closes: refuses new calls, waits for the running ones, frees. Idempotent. */
  final void close() {
    close(null);
  }

  /**
   * Closes, recording {@code reason} (if this call is the one that closes) for the message of
   * the IllegalStateException later uses get. Returns true if this call freed the object.
   */
  final boolean close(String reason) {
    synchronized (this) {
      if (freed) {
        return false;
      }
      closedBecause = reason;
      guard.closeAndDrain();
      try {
        free();
      } finally {
        freed = true;
      }
      return true;
    }
  }

  /** Whether the object is closed or closing; callers still need the guard or the monitor. */
  final boolean isClosed() {
    return guard.isClosed();
  }

  /** The exception for a use after close. */
  final IllegalStateException closedException() {
    String reason = closedBecause;
    return new IllegalStateException(
        kind + " is closed" + (reason == null ? "" : " (" + reason + ")"));
  }

  /** Enters a call, or throws IllegalStateException when closed. */
  final void enter() {
    if (!guard.enter()) {
      throw closedException();
    }
  }

  final void exit() {
    guard.exit();
  }

  /** The Cleaner's action: frees what the caller forgot to close, and says so once. */
  @Override
  public final void run() {
    if (close("freed by the Cleaner")) {
      LEAKS.incrementAndGet();
      String message =
          kind
              + " was not closed and became unreachable; its native memory was freed by the"
              + " Cleaner. Close it (try-with-resources) to free it promptly."
              + (origin == null ? " Run with -Dio.lsmstore.trackLeaks=true to see where it was"
                  + " created." : "");
      if (origin == null) {
        LOG.log(System.Logger.Level.WARNING, message);
      } else {
        LOG.log(System.Logger.Level.WARNING, message, origin);
      }
    }
  }

  /** How many objects the Cleaner has freed in this class loader (for tests and diagnostics). */
  static long leakedCount() {
    return LEAKS.get();
  }
}
