package io.lsmstore;

import java.nio.ByteBuffer;

/**
 * The native methods of liblsmjni, bound by RegisterNatives from the library's JNI_OnLoad (see
 * jni/lsm_jni.cc for the table; a signature changed here must change there, and {@link
 * #ABI_VERSION} with it). Loading this class loads the library.
 *
 * <p>Handles are pointers to native holders; a zero handle is refused, but a freed one is not
 * detectable, so every caller goes through a {@link NativeState} that guarantees a handle is
 * never used after, or concurrently with, its release. Arguments are range-checked on the Java
 * side before the call; the native side checks again where a bad value could corrupt memory.
 * The *Scratch methods take a raw address and capacity: they must be those of the calling
 * thread's {@link Scratch} buffer (the native side checks the lengths against that capacity, and
 * cannot check the address).
 */
final class NativeMethods {
  /** Must equal kAbiVersion in jni/lsm_jni.cc. */
  static final int ABI_VERSION = 6;

  static {
    NativeLibrary.load(NativeMethods.class);
  }

  private NativeMethods() {}

  /** Makes sure the library is loaded (class initialisation does it). */
  static void ensureLoaded() {}

  static native int abiVersion();

  // ---- Store ----
  static native long open(byte[] path, long[] options);

  /** lsm::Options' defaults, in the layout of {@code Options.toNativeArray()}. */
  static native long[] defaultOptions();

  static native void closeStore(long store);

  static native void destroy(byte[] path, long[] options);

  static native void put(long store, boolean sync, byte[] key, int keyOffset, int keyLength,
      byte[] value, int valueOffset, int valueLength);

  static native void putDirect(long store, boolean sync, ByteBuffer key, int keyPosition,
      int keyLength, ByteBuffer value, int valuePosition, int valueLength);

  static native void delete(long store, boolean sync, byte[] key, int keyOffset, int keyLength);

  static native void deleteRange(long store, boolean sync, byte[] from, byte[] to);

  static native void deleteDirect(long store, boolean sync, ByteBuffer key, int keyPosition,
      int keyLength);

  static native void write(long store, boolean sync, byte[] batch, int length);

  /** The value, or null when absent. */
  static native byte[] get(long store, long snapshot, int readFlags, byte[] key, int keyOffset,
      int keyLength);

  /** The value's length (its first min(length, outLength) bytes copied), or -1 when absent. */
  static native int getInto(long store, long snapshot, int readFlags, byte[] key, int keyOffset,
      int keyLength, byte[] out, int outOffset, int outLength);

  /** As getInto, with direct buffers. */
  static native int getDirect(long store, long snapshot, int readFlags, ByteBuffer key,
      int keyPosition, int keyLength, ByteBuffer value, int valuePosition, int valueCapacity);

  // ---- Scratch paths (see Scratch): key and value in the calling thread's direct buffer ----

  /** The address of a direct buffer (IllegalArgumentException for another kind). */
  static native long bufferAddress(ByteBuffer buffer);

  /** Puts the key at address[0, keyLength) and the value right after it. */
  static native void putScratch(long store, boolean sync, long address, int keyLength,
      int valueLength, int capacity);

  static native void deleteScratch(long store, boolean sync, long address, int keyLength,
      int capacity);

  /**
   * Looks up the key at address[0, keyLength); the value's first min(length, capacity) bytes
   * replace the buffer's first bytes. Returns the value's full length, or -1 when absent.
   */
  static native int getScratch(long store, long snapshot, int readFlags, long address,
      int keyLength, int capacity);

  static native long getSnapshot(long store);

  static native long snapshotSequence(long snapshot);

  static native void releaseSnapshot(long snapshot);

  static native void flush(long store);

  static native void syncWal(long store);

  static native void compactRange(long store, byte[] from, byte[] to);

  /** The property's value as UTF-8, or null for an unknown name. */
  static native byte[] property(long store, byte[] name);

  static native byte[][] multiGet(long store, long snapshot, int readFlags, byte[][] keys);

  static native void checkpoint(long store, byte[] dir);

  static native long approximateSize(long store, byte[] from, byte[] to);

  /** See Statistics(long[]) for the layout. */
  static native long[] statistics(long store);

  // ---- Iterator ----
  static native long newIterator(long store, long snapshot, int readFlags, byte[] lowerBound,
      byte[] upperBound);

  // Each move returns whether the iterator is positioned at an entry, and throws LsmException
  // when it stopped on an error.
  static native boolean iterSeekToFirst(long iterator);

  static native boolean iterSeekToLast(long iterator);

  static native boolean iterSeek(long iterator, byte[] target, int offset, int length);

  static native boolean iterSeekDirect(long iterator, ByteBuffer target, int position, int length);

  static native boolean iterSeekForPrev(long iterator, byte[] target, int offset, int length);

  static native boolean iterSeekForPrevDirect(long iterator, ByteBuffer target, int position,
      int length);

  static native boolean iterNext(long iterator);

  static native boolean iterPrev(long iterator);

  static native byte[] iterKey(long iterator);

  static native byte[] iterValue(long iterator);

  // The entry's full length; its first min(length, capacity) bytes are copied.
  static native int iterKeyInto(long iterator, byte[] out, int offset, int capacity);

  static native int iterValueInto(long iterator, byte[] out, int offset, int capacity);

  static native int iterKeyDirect(long iterator, ByteBuffer out, int position, int capacity);

  static native int iterValueDirect(long iterator, ByteBuffer out, int position, int capacity);

  // Through the calling thread's Scratch: the key or value's first min(length, capacity) bytes
  // over the buffer, returning the full length; a seek to the key at address[0, length).
  static native int iterKeyScratch(long iterator, long address, int capacity);

  static native int iterValueScratch(long iterator, long address, int capacity);

  static native boolean iterSeekScratch(long iterator, long address, int length, int capacity);

  static native boolean iterSeekForPrevScratch(long iterator, long address, int length,
      int capacity);

  static native void iterClose(long iterator);
}
