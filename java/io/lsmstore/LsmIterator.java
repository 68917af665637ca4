package io.lsmstore;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Walks a store's entries in key order, forward and backward, over a consistent view (the
 * snapshot of its {@link ReadOptions}, or the state when it was created).
 *
 * <pre>{@code
 * try (LsmIterator it = store.newIterator()) {
 *   for (it.seekToFirst(); it.isValid(); it.next()) {
 *     use(it.key(), it.value());
 *   }
 * }
 * }</pre>
 *
 * <p>A new iterator is not positioned: call a seek first. {@link #key()} and {@link #value()}
 * copy into new arrays; {@link #keyInto} and {@link #valueInto} copy into the caller's array or
 * buffer (a direct buffer gets the bytes without an intermediate Java array) and return the full
 * length, so a loop can reuse one buffer and grow it only when an entry does not fit.
 *
 * <p>Errors: a move that stops on an engine error (say a damaged block) throws {@link
 * LsmException}; {@link #key()}, {@link #value()}, {@link #next()} and {@link #prev()} on an
 * iterator that is not positioned throw IllegalStateException, as does any use after {@link
 * #close()} or after the store was closed.
 *
 * <p>Thread safety: calls are serialised internally, so sharing an iterator between threads
 * cannot crash, but its position is shared too; use one iterator per thread. Closing the store
 * closes its iterators, waiting for a call in progress on them to finish.
 */
public final class LsmIterator implements AutoCloseable {
  /** The native iterator; a child of its store's state. Guarded by its own monitor. */
  static final class State extends NativeState {
    final long handle;
    private final LsmStore.State store;
    boolean valid; // guarded by this

    State(long handle, LsmStore.State store) {
      super("LsmIterator");
      this.handle = handle;
      this.store = store;
    }

    @Override
    void free() {
      valid = false;
      NativeMethods.iterClose(handle);
      store.removeChild(this);
    }
  }

  private final LsmStore store; // keeps the store reachable while the iterator is
  private final State state;
  private final Cleaner.Cleanable cleanable;

  LsmIterator(LsmStore store, State state) {
    this.store = store;
    this.state = state;
    this.cleanable = state.registerCleaner(this);
  }

  /**
   * The store this iterator reads.
   *
   * @return the store
   */
  public LsmStore store() {
    return store;
  }

  // Every method below holds the state's monitor, which close() also takes: a call never runs
  // concurrently with, or after, the release of the native iterator.

  private void checkOpen() {
    if (state.isClosed()) {
      throw state.closedException();
    }
  }

  private void checkPositioned() {
    checkOpen();
    if (!state.valid) {
      throw new IllegalStateException("LsmIterator is not positioned at an entry");
    }
  }

  /**
   * Whether the iterator is positioned at an entry.
   *
   * @return true when {@link #key()} and {@link #value()} may be called
   */
  public boolean isValid() {
    synchronized (state) {
      checkOpen();
      return state.valid;
    }
  }

  /** Positions at the first entry, if any. */
  public void seekToFirst() {
    synchronized (state) {
      checkOpen();
      state.valid = false;
      state.valid = NativeMethods.iterSeekToFirst(state.handle);
    }
  }

  /** Positions at the last entry, if any. */
  public void seekToLast() {
    synchronized (state) {
      checkOpen();
      state.valid = false;
      state.valid = NativeMethods.iterSeekToLast(state.handle);
    }
  }

  /**
   * Positions at the first entry whose key is at or after {@code target}.
   *
   * @param target the key to seek
   */
  public void seek(byte[] target) {
    Objects.requireNonNull(target, "target");
    synchronized (state) {
      checkOpen();
      state.valid = false;
      state.valid = seekArray(target, 0, target.length, false);
    }
  }

  /**
   * {@link #seek(byte[])} with the remaining bytes of {@code target} (position unchanged).
   *
   * @param target the key to seek, from position to limit
   */
  public void seek(ByteBuffer target) {
    Objects.requireNonNull(target, "target");
    synchronized (state) {
      checkOpen();
      state.valid = false;
      Scratch scratch;
      if (target.isDirect() && (scratch = Scratch.forBytes(target.remaining())) != null) {
        scratch.put(0, target, target.position(), target.remaining());
        state.valid = NativeMethods.iterSeekScratch(
            state.handle, scratch.address, target.remaining(), scratch.capacity);
      } else if (target.isDirect()) {
        state.valid = NativeMethods.iterSeekDirect(
            state.handle, target, target.position(), target.remaining());
      } else {
        Buffers.Slice s = Buffers.slice(target);
        state.valid = seekArray(s.array, s.offset, s.length, false);
      }
    }
  }

  /**
   * Positions at the last entry whose key is at or before {@code target}.
   *
   * @param target the key to seek
   */
  public void seekForPrev(byte[] target) {
    Objects.requireNonNull(target, "target");
    synchronized (state) {
      checkOpen();
      state.valid = false;
      state.valid = seekArray(target, 0, target.length, true);
    }
  }

  /**
   * {@link #seekForPrev(byte[])} with the remaining bytes of {@code target} (position unchanged).
   *
   * @param target the key to seek, from position to limit
   */
  public void seekForPrev(ByteBuffer target) {
    Objects.requireNonNull(target, "target");
    synchronized (state) {
      checkOpen();
      state.valid = false;
      Scratch scratch;
      if (target.isDirect() && (scratch = Scratch.forBytes(target.remaining())) != null) {
        scratch.put(0, target, target.position(), target.remaining());
        state.valid = NativeMethods.iterSeekForPrevScratch(
            state.handle, scratch.address, target.remaining(), scratch.capacity);
      } else if (target.isDirect()) {
        state.valid = NativeMethods.iterSeekForPrevDirect(
            state.handle, target, target.position(), target.remaining());
      } else {
        Buffers.Slice s = Buffers.slice(target);
        state.valid = seekArray(s.array, s.offset, s.length, true);
      }
    }
  }

  /** A seek (or seekForPrev) to the key in {@code target[offset, offset + length)}. */
  private boolean seekArray(byte[] target, int offset, int length, boolean forPrev) {
    Scratch scratch = Scratch.forBytes(length);
    if (scratch == null) {
      return forPrev
          ? NativeMethods.iterSeekForPrev(state.handle, target, offset, length)
          : NativeMethods.iterSeek(state.handle, target, offset, length);
    }
    scratch.put(0, target, offset, length);
    return forPrev
        ? NativeMethods.iterSeekForPrevScratch(state.handle, scratch.address, length,
            scratch.capacity)
        : NativeMethods.iterSeekScratch(state.handle, scratch.address, length, scratch.capacity);
  }

  /**
   * The current key or value as a new array: through the thread's scratch buffer (grown to fit
   * it, which is allowed as the entry cannot change under the monitor), or from the native side
   * as an array when it is over {@link Scratch#MAX}.
   */
  private byte[] currentBytes(boolean value) {
    long need = 0;
    while (true) {
      Scratch scratch = Scratch.forBytes(need);
      if (scratch == null) {
        return value ? NativeMethods.iterValue(state.handle) : NativeMethods.iterKey(state.handle);
      }
      int n = value
          ? NativeMethods.iterValueScratch(state.handle, scratch.address, scratch.capacity)
          : NativeMethods.iterKeyScratch(state.handle, scratch.address, scratch.capacity);
      if (n <= scratch.capacity) {
        return scratch.copyOut(n);
      }
      need = n;
    }
  }

  /**
   * Copies the current key's or value's first min(length, its length) bytes into {@code
   * out[offset, ...)}, through the thread's scratch buffer when {@code length} fits it; returns
   * its full length.
   */
  private int currentInto(boolean value, byte[] out, int offset, int length) {
    Scratch scratch = Scratch.forBytes(length);
    if (scratch == null) {
      return value
          ? NativeMethods.iterValueInto(state.handle, out, offset, length)
          : NativeMethods.iterKeyInto(state.handle, out, offset, length);
    }
    int n = value
        ? NativeMethods.iterValueScratch(state.handle, scratch.address, scratch.capacity)
        : NativeMethods.iterKeyScratch(state.handle, scratch.address, scratch.capacity);
    if (n > 0) {
      scratch.copyOut(Math.min(n, length), out, offset);
    }
    return n;
  }

  /** Moves to the next entry. Requires {@link #isValid()}. */
  public void next() {
    synchronized (state) {
      checkPositioned();
      state.valid = false;
      state.valid = NativeMethods.iterNext(state.handle);
    }
  }

  /** Moves to the previous entry. Requires {@link #isValid()}. */
  public void prev() {
    synchronized (state) {
      checkPositioned();
      state.valid = false;
      state.valid = NativeMethods.iterPrev(state.handle);
    }
  }

  /**
   * A copy of the current key. Requires {@link #isValid()}.
   *
   * @return a new array holding the key
   */
  public byte[] key() {
    synchronized (state) {
      checkPositioned();
      return currentBytes(false);
    }
  }

  /**
   * A copy of the current value. Requires {@link #isValid()}.
   *
   * @return a new array holding the value
   */
  public byte[] value() {
    synchronized (state) {
      checkPositioned();
      return currentBytes(true);
    }
  }

  /**
   * Copies the current key's first {@code min(keyLength, out.length)} bytes into {@code out}.
   * Requires {@link #isValid()}.
   *
   * @param out receives the key
   * @return the key's full length (larger than {@code out.length} when it did not fit)
   */
  public int keyInto(byte[] out) {
    Objects.requireNonNull(out, "out");
    return keyInto(out, 0, out.length);
  }

  /**
   * As {@link #keyInto(byte[])}, into {@code out[offset, offset + length)}.
   *
   * @param out receives the key
   * @param offset where the key goes in {@code out}
   * @param length the room for it
   * @return the key's full length (larger than {@code length} when it did not fit)
   */
  public int keyInto(byte[] out, int offset, int length) {
    Objects.requireNonNull(out, "out");
    Objects.checkFromIndexSize(offset, length, out.length);
    synchronized (state) {
      checkPositioned();
      return currentInto(false, out, offset, length);
    }
  }

  /**
   * Copies the current key into {@code out} at its position, as much as fits its remaining
   * space, and advances its position by the bytes written. Requires {@link #isValid()}.
   *
   * @param out receives the key
   * @return the key's full length (larger than what was written when it did not fit)
   */
  public int keyInto(ByteBuffer out) {
    return bytesInto(out, false);
  }

  /**
   * As {@link #keyInto(byte[])} for the current value.
   *
   * @param out receives the value
   * @return the value's full length
   */
  public int valueInto(byte[] out) {
    Objects.requireNonNull(out, "out");
    return valueInto(out, 0, out.length);
  }

  /**
   * As {@link #keyInto(byte[], int, int)} for the current value.
   *
   * @param out receives the value
   * @param offset where the value goes in {@code out}
   * @param length the room for it
   * @return the value's full length
   */
  public int valueInto(byte[] out, int offset, int length) {
    Objects.requireNonNull(out, "out");
    Objects.checkFromIndexSize(offset, length, out.length);
    synchronized (state) {
      checkPositioned();
      return currentInto(true, out, offset, length);
    }
  }

  /**
   * As {@link #keyInto(ByteBuffer)} for the current value.
   *
   * @param out receives the value
   * @return the value's full length
   */
  public int valueInto(ByteBuffer out) {
    return bytesInto(out, true);
  }

  private int bytesInto(ByteBuffer out, boolean value) {
    Objects.requireNonNull(out, "out");
    Buffers.checkWritable(out);
    synchronized (state) {
      checkPositioned();
      int n;
      Scratch scratch = Scratch.forBytes(out.remaining());
      if (scratch != null) {
        n = value
            ? NativeMethods.iterValueScratch(state.handle, scratch.address, scratch.capacity)
            : NativeMethods.iterKeyScratch(state.handle, scratch.address, scratch.capacity);
        if (n > 0) {
          scratch.copyOut(Math.min(n, out.remaining()), out, out.position());
        }
      } else if (out.isDirect()) {
        n = value
            ? NativeMethods.iterValueDirect(state.handle, out, out.position(), out.remaining())
            : NativeMethods.iterKeyDirect(state.handle, out, out.position(), out.remaining());
      } else {
        int at = out.arrayOffset() + out.position();
        n = value
            ? NativeMethods.iterValueInto(state.handle, out.array(), at, out.remaining())
            : NativeMethods.iterKeyInto(state.handle, out.array(), at, out.remaining());
      }
      Buffers.advance(out, n);
      return n;
    }
  }

  /**
   * Whether the iterator was closed, by {@link #close()} or by closing its store.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return state.isClosed();
  }

  /** Releases the iterator. Idempotent. */
  @Override
  public void close() {
    state.close("closed by the caller");
    cleanable.clean();
  }

  @Override
  public String toString() {
    return "LsmIterator{" + (isClosed() ? "closed" : "open") + "}";
  }
}
