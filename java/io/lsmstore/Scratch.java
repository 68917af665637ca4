package io.lsmstore;

import java.nio.ByteBuffer;

/**
 * A per-thread direct buffer through which the small {@code byte[]} reads and writes reach the
 * native side with no JNI callback: the key (and value) are copied into it on the Java side, the
 * native method gets its address and lengths as plain numbers, and a value read comes back in it
 * to be copied into a new array by the JIT-compiled allocation. A JNI callback
 * (GetByteArrayRegion, NewByteArray, SetByteArrayRegion) costs more than copying the hundred
 * bytes or so of a typical key and value; larger ones take the array paths.
 *
 * <p>The buffer starts at {@value #INITIAL} bytes and is replaced by a larger one, up to {@value
 * #MAX}, when a call needs it; the old one is freed with its ByteBuffer. Each thread holds at
 * most one, for as long as the thread lives.
 *
 * <p>Thread safety: an instance is used only by the thread it belongs to, and one call at a time
 * (no native call made through it calls back into Java).
 */
final class Scratch {
  /** The size a thread's buffer starts at. */
  static final int INITIAL = 4 << 10;

  /** The largest buffer a thread keeps: calls needing more take the array paths. */
  static final int MAX = 64 << 10;

  private static final ThreadLocal<Scratch> LOCAL =
      ThreadLocal.withInitial(() -> new Scratch(INITIAL));

  /** The buffer, kept referenced so its memory lives as long as this object. */
  final ByteBuffer buffer;

  /** The buffer's native address. */
  final long address;

  /** The buffer's size in bytes. */
  final int capacity;

  private Scratch(int capacity) {
    this.buffer = ByteBuffer.allocateDirect(capacity);
    this.capacity = capacity;
    this.address = NativeMethods.bufferAddress(buffer);
  }

  /**
   * The calling thread's buffer, grown to at least {@code need} bytes; null when {@code need} is
   * over {@link #MAX}.
   */
  static Scratch forBytes(long need) {
    Scratch s = LOCAL.get();
    if (need <= s.capacity) {
      return s;
    }
    if (need > MAX) {
      return null;
    }
    int size = Integer.highestOneBit((int) need - 1) << 1;
    s = new Scratch(Math.min(MAX, size));
    LOCAL.set(s);
    return s;
  }

  /** Copies {@code src[offset, offset + length)} into the buffer at {@code at}. */
  void put(int at, byte[] src, int offset, int length) {
    buffer.put(at, src, offset, length);
  }

  /** Copies {@code src[offset, offset + length)} (any buffer) into this buffer at {@code at}. */
  void put(int at, ByteBuffer src, int offset, int length) {
    buffer.put(at, src, offset, length);
  }

  /** Copies the buffer's first {@code length} bytes into {@code out} at {@code index}. */
  void copyOut(int length, ByteBuffer out, int index) {
    out.put(index, buffer, 0, length);
  }

  /** A new array holding the buffer's first {@code length} bytes. */
  byte[] copyOut(int length) {
    byte[] out = new byte[length];
    buffer.get(0, out, 0, length);
    return out;
  }

  /** Copies the buffer's first {@code length} bytes into {@code out[offset, offset + length)}. */
  void copyOut(int length, byte[] out, int offset) {
    buffer.get(0, out, offset, length);
  }
}
