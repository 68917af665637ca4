package io.lsmstore;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the calls in flight on one native object and lets its closer wait for them.
 *
 * <p>A call brackets its use of the native handle with {@link #enter()} and {@link #exit()}.
 * {@link #closeAndDrain()} makes every later {@code enter()} fail and then waits until the calls
 * already inside have left, so the handle can be freed without racing them. The fast path is one
 * atomic add on enter and one on exit: no lock, no allocation.
 *
 * <p>Thread safety: safe for concurrent use.
 */
final class CallGuard {
  // The closed flag and the number of calls inside share one word, so that entering (add, then
  // look at the flag) and closing (set the flag, then look at the count) cannot miss each other.
  private static final long CLOSED = 1L << 62;

  private final AtomicLong state = new AtomicLong();

  /** Enters a call. Returns false, having entered nothing, when the object is closed. */
  boolean enter() {
    long previous = state.getAndIncrement();
    if ((previous & CLOSED) != 0) {
      exit();
      return false;
    }
    return true;
  }

  /** Leaves a call entered by a successful {@link #enter()}. */
  void exit() {
    if (state.decrementAndGet() == CLOSED) {
      // The last call out after a close: wake the closer.
      synchronized (this) {
        notifyAll();
      }
    }
  }

  boolean isClosed() {
    return (state.get() & CLOSED) != 0;
  }

  /**
   * Marks the object closed, then waits (uninterruptibly; an interrupt is kept for the caller)
   * until no call is inside. Returns false, without waiting, if it was already closed.
   */
  boolean closeAndDrain() {
    long s;
    do {
      s = state.get();
      if ((s & CLOSED) != 0) {
        return false;
      }
    } while (!state.compareAndSet(s, s | CLOSED));
    boolean interrupted = false;
    synchronized (this) {
      while (state.get() != CLOSED) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return true;
  }
}
