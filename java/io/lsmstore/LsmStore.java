package io.lsmstore;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A persistent, ordered map from byte-string keys to byte-string values: the Java face of the
 * engine's {@code lsm::DB}.
 *
 * <pre>{@code
 * try (LsmStore store = LsmStore.open(dir, Options.defaults())) {
 *   store.put(key, value);
 *   byte[] v = store.get(key);            // null when absent
 *   try (WriteBatch batch = new WriteBatch()) {
 *     store.write(batch.put(k1, v1).delete(k2));
 *   }
 * }
 * }</pre>
 *
 * <p>Keys and values are arbitrary bytes (empty and embedded zeros included); a key is at most
 * 64 KiB and a value at most 1 GiB (INVALID_ARGUMENT beyond). Each operation has an overload
 * taking {@link WriteOptions} or {@link ReadOptions} first, and {@link ByteBuffer} variants,
 * which allocate no Java array for direct buffers. Input buffers are read from position to limit
 * and their position is left unchanged; an output buffer is written at its position, which
 * advances by the bytes written.
 *
 * <p>How the bytes cross to the native side: when a call's key and value (or the room for the
 * value read) fit in 64 KiB, they are copied through a per-thread native buffer, whose address
 * the native call gets as a number; such a call makes no JNI callback into the JVM, which costs
 * less than the callbacks that reading a Java array or a direct buffer's address takes. Larger
 * ones are read and written in place: arrays by JNI copies, direct buffers at their address.
 *
 * <p>Errors: engine failures throw {@link LsmException} with the status code; null arguments
 * NullPointerException; any call after {@link #close()} IllegalStateException.
 *
 * <p>Thread safety: safe for concurrent use by any number of threads. {@link #close()} may be
 * called at any time from any thread: calls already running finish, later calls fail with
 * IllegalStateException, then the store's open iterators and snapshots are closed (later use of
 * them fails the same way), and finally the native store is freed and its directory unlocked.
 * A store, iterator or snapshot that becomes unreachable without being closed is freed by a
 * {@link Cleaner}, and a warning is logged (logger {@code io.lsmstore}).
 */
public final class LsmStore implements AutoCloseable {
  /** What the ByteBuffer/array {@code get} variants return for an absent key. */
  public static final int NOT_FOUND = -1;

  /** The native store and the iterators and snapshots open on it. */
  static final class State extends NativeState {
    final long handle;
    private final Set<NativeState> children = ConcurrentHashMap.newKeySet();

    State(long handle) {
      super("LsmStore");
      this.handle = handle;
    }

    /** REQUIRES: inside a call (the guard entered), so the store cannot be freeing. */
    void addChild(NativeState child) {
      children.add(child);
    }

    void removeChild(NativeState child) {
      children.remove(child);
    }

    @Override
    void free() {
      // No call is running and none can start, so no child can be added. Close the children
      // first (each waits for a call in progress on it): they point into the native store.
      // Iterators before snapshots, though the native side would cope with either order.
      List<NativeState> snapshots = new ArrayList<>();
      for (NativeState child : children) {
        if (child instanceof Snapshot.State) {
          snapshots.add(child);
        } else {
          child.close("its LsmStore was closed");
        }
      }
      for (NativeState child : snapshots) {
        child.close("its LsmStore was closed");
      }
      NativeMethods.closeStore(handle);
    }
  }

  private final State state;
  private final Cleaner.Cleanable cleanable;
  private final Path path;

  private LsmStore(Path path, long handle) {
    this.path = path;
    this.state = new State(handle);
    this.cleanable = state.registerCleaner(this);
  }

  // ------------------------------------------------------------------------------------------
  // Opening and closing
  // ------------------------------------------------------------------------------------------

  /**
   * Opens (or creates) the store in directory {@code path} with default options.
   *
   * @param path the store's directory
   * @return the open store
   * @throws LsmException as {@link #open(Path, Options)} says
   */
  public static LsmStore open(Path path) {
    return open(path, Options.defaults());
  }

  /**
   * Opens the store in directory {@code path}.
   *
   * @param path the store's directory
   * @param options how to open and tune it
   * @return the open store
   * @throws LsmException FAILED_PRECONDITION when another process, or an open LsmStore in this
   *     one, holds the directory, or it exists and {@code errorIfExists} is set; DATA_LOSS when
   *     it is damaged beyond what the recovery options allow; INVALID_ARGUMENT for bad options.
   */
  public static LsmStore open(Path path, Options options) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    NativeMethods.ensureLoaded();
    Path absolute = path.toAbsolutePath();
    long handle = NativeMethods.open(pathBytes(absolute), options.toNativeArray());
    return new LsmStore(absolute, handle);
  }

  /**
   * Deletes every file of the (closed) store in {@code path}, then the directory.
   *
   * @param path the store's directory
   * @param options the options the store is opened with
   * @throws LsmException FAILED_PRECONDITION when the store is open, or an I/O error
   */
  public static void destroy(Path path, Options options) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    NativeMethods.ensureLoaded();
    NativeMethods.destroy(pathBytes(path.toAbsolutePath()), options.toNativeArray());
  }

  /**
   * The directory of this store.
   *
   * @return the directory it was opened in
   */
  public Path path() {
    return path;
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closing has begun
   */
  public boolean isClosed() {
    return state.isClosed();
  }

  /**
   * Closes the store: waits for calls in progress, closes its iterators and snapshots, frees it
   * and unlocks its directory. Idempotent; concurrent closers all return once it is closed.
   */
  @Override
  public void close() {
    state.close("closed by the caller");
    cleanable.clean();
  }

  // ------------------------------------------------------------------------------------------
  // Writes
  // ------------------------------------------------------------------------------------------

  /**
   * Sets {@code key} to {@code value}, with {@link WriteOptions#DEFAULT}.
   *
   * @param key the key
   * @param value the value
   */
  public void put(byte[] key, byte[] value) {
    put(WriteOptions.DEFAULT, key, value);
  }

  /**
   * Sets {@code key} to {@code value}.
   *
   * @param options whether to sync
   * @param key the key
   * @param value the value
   */
  public void put(WriteOptions options, byte[] key, byte[] value) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    State s = state;
    s.enter();
    try {
      putArrays(s.handle, options.sync(), key, 0, key.length, value, 0, value.length);
    } finally {
      s.exit();
    }
  }

  /**
   * As {@link #put(WriteOptions, ByteBuffer, ByteBuffer)} with {@link WriteOptions#DEFAULT}.
   *
   * @param key the key, from position to limit
   * @param value the value, from position to limit
   */
  public void put(ByteBuffer key, ByteBuffer value) {
    put(WriteOptions.DEFAULT, key, value);
  }

  /**
   * Sets the remaining bytes of {@code key} to the remaining bytes of {@code value}; their
   * positions are left unchanged.
   *
   * @param options whether to sync
   * @param key the key, from position to limit
   * @param value the value, from position to limit
   */
  public void put(WriteOptions options, ByteBuffer key, ByteBuffer value) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    State s = state;
    s.enter();
    try {
      int keyLength = key.remaining();
      int valueLength = value.remaining();
      Scratch scratch = Scratch.forBytes((long) keyLength + valueLength);
      if (scratch != null) {
        scratch.put(0, key, key.position(), keyLength);
        scratch.put(keyLength, value, value.position(), valueLength);
        NativeMethods.putScratch(s.handle, options.sync(), scratch.address, keyLength,
            valueLength, scratch.capacity);
      } else if (key.isDirect() && value.isDirect()) {
        NativeMethods.putDirect(s.handle, options.sync(), key, key.position(), keyLength, value,
            value.position(), valueLength);
      } else {
        Buffers.Slice k = Buffers.slice(key);
        Buffers.Slice v = Buffers.slice(value);
        NativeMethods.put(s.handle, options.sync(), k.array, k.offset, k.length, v.array,
            v.offset, v.length);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * Removes {@code key}, with {@link WriteOptions#DEFAULT}.
   *
   * @param key the key
   */
  public void delete(byte[] key) {
    delete(WriteOptions.DEFAULT, key);
  }

  /**
   * Removes {@code key}; removing an absent key is not an error.
   *
   * @param options whether to sync
   * @param key the key
   */
  public void delete(WriteOptions options, byte[] key) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    State s = state;
    s.enter();
    try {
      deleteArray(s.handle, options.sync(), key, 0, key.length);
    } finally {
      s.exit();
    }
  }

  /**
   * Removes every key in {@code [from, to)}, with {@link WriteOptions#DEFAULT}.
   *
   * @param from the first key of the range
   * @param to the key after the range
   * @throws LsmException with INVALID_ARGUMENT when {@code from} sorts after {@code to}
   */
  public void deleteRange(byte[] from, byte[] to) {
    deleteRange(WriteOptions.DEFAULT, from, to);
  }

  /**
   * Removes every key {@code k} with {@code from <= k < to} (unsigned bytewise order) as of this
   * write, in constant time: the engine writes one range tombstone however many keys the range
   * holds, and compaction reclaims their space later. Keys written afterwards are not affected;
   * snapshots taken before still see the old values. An empty range ({@code from} equal to
   * {@code to}) removes nothing.
   *
   * @param options whether to sync
   * @param from the first key of the range
   * @param to the key after the range
   * @throws LsmException with INVALID_ARGUMENT when {@code from} sorts after {@code to} or a key
   *     is over 64 KiB
   */
  public void deleteRange(WriteOptions options, byte[] from, byte[] to) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    State s = state;
    s.enter();
    try {
      NativeMethods.deleteRange(s.handle, options.sync(), from, to);
    } finally {
      s.exit();
    }
  }

  /**
   * As {@link #delete(WriteOptions, ByteBuffer)} with {@link WriteOptions#DEFAULT}.
   *
   * @param key the key, from position to limit
   */
  public void delete(ByteBuffer key) {
    delete(WriteOptions.DEFAULT, key);
  }

  /**
   * Removes the key given by the remaining bytes of {@code key} (position unchanged).
   *
   * @param options whether to sync
   * @param key the key, from position to limit
   */
  public void delete(WriteOptions options, ByteBuffer key) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    State s = state;
    s.enter();
    try {
      int keyLength = key.remaining();
      Scratch scratch = Scratch.forBytes(keyLength);
      if (scratch != null) {
        scratch.put(0, key, key.position(), keyLength);
        NativeMethods.deleteScratch(s.handle, options.sync(), scratch.address, keyLength,
            scratch.capacity);
      } else if (key.isDirect()) {
        NativeMethods.deleteDirect(s.handle, options.sync(), key, key.position(), keyLength);
      } else {
        Buffers.Slice k = Buffers.slice(key);
        NativeMethods.delete(s.handle, options.sync(), k.array, k.offset, k.length);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * Applies {@code batch} atomically, with {@link WriteOptions#DEFAULT}.
   *
   * @param batch the updates
   */
  public void write(WriteBatch batch) {
    write(WriteOptions.DEFAULT, batch);
  }

  /**
   * Applies every update of {@code batch} atomically, in one native call. The batch is left as
   * it was and may be reused (after {@link WriteBatch#clear()}) or written again.
   *
   * @param options whether to sync
   * @param batch the updates
   */
  public void write(WriteOptions options, WriteBatch batch) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(batch, "batch");
    byte[] encoded = batch.encoded();
    int size = batch.encodedSize();
    State s = state;
    s.enter();
    try {
      NativeMethods.write(s.handle, options.sync(), encoded, size);
    } finally {
      s.exit();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reads
  // ------------------------------------------------------------------------------------------

  /**
   * The value of {@code key}.
   *
   * @param key the key
   * @return a new array holding the value, or null when absent
   */
  public byte[] get(byte[] key) {
    return get(ReadOptions.defaults(), key);
  }

  /**
   * The value of {@code key} as {@code options} sees it.
   *
   * @param options the snapshot to read and whether to verify checksums and fill the cache
   * @param key the key
   * @return a new array holding the value, or null when absent
   */
  public byte[] get(ReadOptions options, byte[] key) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    State s = state;
    s.enter();
    try {
      Snapshot.State snapshot = enterSnapshot(options);
      try {
        return getArray(s.handle, snapshotHandle(snapshot), options.nativeFlags(), key, 0,
            key.length);
      } finally {
        exitSnapshot(snapshot);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * Looks {@code key} up and copies the value's first {@code min(valueLength, out.length)} bytes
   * into {@code out}.
   *
   * @param key the key
   * @param out receives the value
   * @return the value's full length (larger than {@code out.length} when it did not fit), or
   *     {@link #NOT_FOUND}
   */
  public int get(byte[] key, byte[] out) {
    Objects.requireNonNull(out, "out");
    return get(ReadOptions.defaults(), key, out, 0, out.length);
  }

  /**
   * As {@link #get(byte[], byte[])}, as {@code options} sees it, into {@code out[offset, offset +
   * length)}.
   *
   * @param options the snapshot to read and whether to verify checksums and fill the cache
   * @param key the key
   * @param out receives the value
   * @param offset where the value goes in {@code out}
   * @param length the room for it
   * @return the value's full length (larger than {@code length} when it did not fit), or {@link
   *     #NOT_FOUND}
   */
  public int get(ReadOptions options, byte[] key, byte[] out, int offset, int length) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(out, "out");
    Objects.checkFromIndexSize(offset, length, out.length);
    State s = state;
    s.enter();
    try {
      Snapshot.State snapshot = enterSnapshot(options);
      try {
        return getIntoArray(s.handle, snapshotHandle(snapshot), options.nativeFlags(), key, 0,
            key.length, out, offset, length);
      } finally {
        exitSnapshot(snapshot);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * As {@link #get(ReadOptions, ByteBuffer, ByteBuffer)} with {@link ReadOptions#defaults()}.
   *
   * @param key the key, from position to limit
   * @param value receives the value at its position
   * @return the value's full length, or {@link #NOT_FOUND}
   */
  public int get(ByteBuffer key, ByteBuffer value) {
    return get(ReadOptions.defaults(), key, value);
  }

  /**
   * Looks up the remaining bytes of {@code key}; copies as much of the value as fits into {@code
   * value} at its position and advances the position by that much. With direct buffers the value
   * goes from the engine to the buffer with no Java array in between.
   *
   * @param options the snapshot to read and whether to verify checksums and fill the cache
   * @param key the key, from position to limit (position unchanged)
   * @param value receives the value
   * @return the value's full length (larger than what was copied when it did not fit), or {@link
   *     #NOT_FOUND} (the buffer untouched)
   */
  public int get(ReadOptions options, ByteBuffer key, ByteBuffer value) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Buffers.checkWritable(value);
    State s = state;
    s.enter();
    try {
      Snapshot.State snapshot = enterSnapshot(options);
      try {
        long snap = snapshotHandle(snapshot);
        int flags = options.nativeFlags();
        int n;
        Scratch scratch = Scratch.forBytes(Math.max(key.remaining(), value.remaining()));
        if (scratch != null) {
          int keyLength = key.remaining();
          scratch.put(0, key, key.position(), keyLength);
          n = NativeMethods.getScratch(s.handle, snap, flags, scratch.address, keyLength,
              scratch.capacity);
          if (n > 0) {
            scratch.copyOut(Math.min(n, value.remaining()), value, value.position());
          }
        } else if (key.isDirect() && value.isDirect()) {
          n = NativeMethods.getDirect(s.handle, snap, flags, key, key.position(),
              key.remaining(), value, value.position(), value.remaining());
        } else if (!value.isDirect()) {
          Buffers.Slice k = Buffers.slice(key);
          n = NativeMethods.getInto(s.handle, snap, flags, k.array, k.offset, k.length,
              value.array(), value.arrayOffset() + value.position(), value.remaining());
        } else {
          // A heap key with a direct value buffer, too large for the scratch: through an array.
          Buffers.Slice k = Buffers.slice(key);
          byte[] v = getArray(s.handle, snap, flags, k.array, k.offset, k.length);
          if (v == null) {
            return NOT_FOUND;
          }
          Buffers.copyInto(v, value);
          return v.length;
        }
        if (n != NOT_FOUND) {
          Buffers.advance(value, n);
        }
        return n;
      } finally {
        exitSnapshot(snapshot);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * A new, unpositioned iterator over the current state. Close it when done.
   *
   * @return the iterator
   */
  public LsmIterator newIterator() {
    return newIterator(ReadOptions.defaults());
  }

  /**
   * A new, unpositioned iterator over the store as {@code options} sees it (its snapshot and
   * bounds). Close it when done; closing the store closes it too.
   *
   * @param options the snapshot, bounds and read flags
   * @return the iterator
   */
  public LsmIterator newIterator(ReadOptions options) {
    Objects.requireNonNull(options, "options");
    State s = state;
    s.enter();
    try {
      Snapshot.State snapshot = enterSnapshot(options);
      try {
        long handle = NativeMethods.newIterator(s.handle, snapshotHandle(snapshot),
            options.nativeFlags(), options.lowerBoundNoCopy(), options.upperBoundNoCopy());
        LsmIterator.State child = new LsmIterator.State(handle, s);
        s.addChild(child);
        return new LsmIterator(this, child);
      } finally {
        exitSnapshot(snapshot);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * A snapshot of the current state; close it when done.
   *
   * @return the snapshot
   */
  public Snapshot getSnapshot() {
    State s = state;
    s.enter();
    try {
      long handle = NativeMethods.getSnapshot(s.handle);
      Snapshot.State child = new Snapshot.State(handle, s);
      s.addChild(child);
      return new Snapshot(this, child, NativeMethods.snapshotSequence(handle));
    } finally {
      s.exit();
    }
  }

  /**
   * The values of {@code keys}, all as of one sequence number, looked up in one native call.
   *
   * @param keys the keys (none null; repeats allowed)
   * @return a new list of the same size: element i is a new array holding the value of key i,
   *     or null when that key is absent
   */
  public List<byte[]> multiGet(List<byte[]> keys) {
    return multiGet(ReadOptions.defaults(), keys);
  }

  /**
   * The values of {@code keys} as {@code options} sees them, all as of one sequence number.
   *
   * @param options the snapshot to read and whether to verify checksums and fill the cache
   * @param keys the keys (none null; repeats allowed)
   * @return a new list of the same size: element i is the value of key i, or null when absent
   */
  public List<byte[]> multiGet(ReadOptions options, List<byte[]> keys) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(keys, "keys");
    byte[][] array = new byte[keys.size()][];
    for (int i = 0; i < array.length; i++) {
      array[i] = Objects.requireNonNull(keys.get(i), "keys[" + i + "]");
    }
    State s = state;
    s.enter();
    try {
      Snapshot.State snapshot = enterSnapshot(options);
      try {
        byte[][] values =
            NativeMethods.multiGet(s.handle, snapshotHandle(snapshot), options.nativeFlags(), array);
        List<byte[]> result = new ArrayList<>(values.length);
        for (byte[] v : values) {
          result.add(v);
        }
        return result;
      } finally {
        exitSnapshot(snapshot);
      }
    } finally {
      s.exit();
    }
  }

  /**
   * About how many bytes the keys in {@code [from, to)} take: their share of the tables on disk
   * (compressed) plus their entries in memory.
   *
   * @param from the first key of the range
   * @param to the key after the range
   * @return the estimate in bytes
   * @throws LsmException with INVALID_ARGUMENT when {@code from} sorts after {@code to}
   */
  public long approximateSize(byte[] from, byte[] to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    State s = state;
    s.enter();
    try {
      return NativeMethods.approximateSize(s.handle, from, to);
    } finally {
      s.exit();
    }
  }

  /**
   * What the store did since it was opened: counters and latency percentiles (always kept; they
   * cost about 25 ns per call).
   *
   * @return an immutable snapshot
   */
  public Statistics statistics() {
    State s = state;
    s.enter();
    try {
      return new Statistics(NativeMethods.statistics(s.handle));
    } finally {
      s.exit();
    }
  }

  /**
   * The memory the store holds, by part: memtables, block cache, table readers.
   *
   * @return an immutable snapshot
   */
  public MemoryUsage memoryUsage() {
    return MemoryUsage.parse(property("lsm.memory"));
  }

  /**
   * An estimate of the number of live keys: entries minus deletions over the tables and the
   * memtables (overwrites make it high until compaction merges them).
   *
   * @return the estimate
   */
  public long estimateNumKeys() {
    return Long.parseLong(property("lsm.estimate-num-keys"));
  }

  // ------------------------------------------------------------------------------------------
  // Maintenance
  // ------------------------------------------------------------------------------------------

  /**
   * Writes a consistent copy of the store into the new directory {@code dir}: a store that
   * {@link #open(Path)} opens, holding every write that returned before this call and nothing
   * written after the one sequence number it is taken at. Tables are hard-linked when {@code
   * dir} is on the same file system, copied otherwise. Writes, flushes and compactions go on
   * meanwhile.
   *
   * @param dir the directory to create
   * @throws LsmException with ALREADY_EXISTS when {@code dir} exists
   */
  public void checkpoint(Path dir) {
    Objects.requireNonNull(dir, "dir");
    byte[] dirBytes = dir.toString().getBytes(StandardCharsets.UTF_8);
    State s = state;
    s.enter();
    try {
      NativeMethods.checkpoint(s.handle, dirBytes);
    } finally {
      s.exit();
    }
  }

  /**
   * Makes every write that returned before this call durable, as if each had been made with
   * {@link WriteOptions#SYNC}: one fdatasync of the write-ahead log, however many writes it
   * covers. The way to sync a run of unsynced writes once, e.g. before recording elsewhere that
   * they happened. Queued with the writes (a write running concurrently is either wholly before
   * the sync or after it); the memtable is not flushed. A sync is made even when nothing was
   * written since the last one.
   *
   * @throws LsmException when the sync fails (UNAVAILABLE for an I/O error); the store then
   *     refuses further writes with that error until it is reopened
   * @throws IllegalStateException when the store is closed
   */
  public void syncWal() {
    State s = state;
    s.enter();
    try {
      NativeMethods.syncWal(s.handle);
    } finally {
      s.exit();
    }
  }

  /** Writes the memtable to an SST file and waits for it. */
  public void flush() {
    State s = state;
    s.enter();
    try {
      NativeMethods.flush(s.handle);
    } finally {
      s.exit();
    }
  }

  /**
   * Compacts the keys in {@code [from, to]} through every level; a null bound is an open end
   * ({@code compactRange(null, null)} compacts everything).
   *
   * @param from the first key, or null
   * @param to the last key, or null
   */
  public void compactRange(byte[] from, byte[] to) {
    State s = state;
    s.enter();
    try {
      NativeMethods.compactRange(s.handle, from, to);
    } finally {
      s.exit();
    }
  }

  /**
   * The value of an engine property: {@code "lsm.stats"}, {@code "lsm.num-files-at-level<N>"},
   * {@code "lsm.sstables"}, {@code "lsm.approximate-memory-usage"}, {@code
   * "lsm.estimate-num-keys"}.
   *
   * @param name the property
   * @return its value, or null for an unknown name
   */
  public String property(String name) {
    Objects.requireNonNull(name, "name");
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    State s = state;
    s.enter();
    try {
      byte[] value = NativeMethods.property(s.handle, nameBytes);
      return value == null ? null : new String(value, StandardCharsets.UTF_8);
    } finally {
      s.exit();
    }
  }

  @Override
  public String toString() {
    return "LsmStore{" + path + (isClosed() ? ", closed" : "") + "}";
  }

  // ------------------------------------------------------------------------------------------

  // The array paths: through the calling thread's Scratch buffer when the bytes fit it (no JNI
  // callback), else with the arrays themselves (the native side copies them in and out).

  private static void putArrays(long store, boolean sync, byte[] key, int keyOffset,
      int keyLength, byte[] value, int valueOffset, int valueLength) {
    Scratch scratch = Scratch.forBytes((long) keyLength + valueLength);
    if (scratch == null) {
      NativeMethods.put(store, sync, key, keyOffset, keyLength, value, valueOffset, valueLength);
      return;
    }
    scratch.put(0, key, keyOffset, keyLength);
    scratch.put(keyLength, value, valueOffset, valueLength);
    NativeMethods.putScratch(store, sync, scratch.address, keyLength, valueLength,
        scratch.capacity);
  }

  private static void deleteArray(long store, boolean sync, byte[] key, int keyOffset,
      int keyLength) {
    Scratch scratch = Scratch.forBytes(keyLength);
    if (scratch == null) {
      NativeMethods.delete(store, sync, key, keyOffset, keyLength);
      return;
    }
    scratch.put(0, key, keyOffset, keyLength);
    NativeMethods.deleteScratch(store, sync, scratch.address, keyLength, scratch.capacity);
  }

  /**
   * The value as a new array, or null. When it does not fit the scratch buffer the lookup is
   * made again with a buffer large enough (the value may have changed meanwhile: any value the
   * key had during the call is a correct answer), or, over {@link Scratch#MAX}, through an array.
   */
  private static byte[] getArray(long store, long snapshot, int flags, byte[] key, int keyOffset,
      int keyLength) {
    long need = keyLength;
    while (true) {
      Scratch scratch = Scratch.forBytes(need);
      if (scratch == null) {
        return NativeMethods.get(store, snapshot, flags, key, keyOffset, keyLength);
      }
      scratch.put(0, key, keyOffset, keyLength);
      int n = NativeMethods.getScratch(store, snapshot, flags, scratch.address, keyLength,
          scratch.capacity);
      if (n < 0) {
        return null;
      }
      if (n <= scratch.capacity) {
        return scratch.copyOut(n);
      }
      need = n; // larger than this buffer: the next one is larger, or null
    }
  }

  /** As getInto: the value's full length (its first min(length, outLength) bytes copied), or -1. */
  private static int getIntoArray(long store, long snapshot, int flags, byte[] key,
      int keyOffset, int keyLength, byte[] out, int outOffset, int outLength) {
    Scratch scratch = Scratch.forBytes(Math.max(keyLength, outLength));
    if (scratch == null) {
      return NativeMethods.getInto(store, snapshot, flags, key, keyOffset, keyLength, out,
          outOffset, outLength);
    }
    scratch.put(0, key, keyOffset, keyLength);
    int n = NativeMethods.getScratch(store, snapshot, flags, scratch.address, keyLength,
        scratch.capacity);
    if (n > 0) {
      scratch.copyOut(Math.min(n, outLength), out, outOffset);
    }
    return n;
  }

  /** Enters the call on the snapshot of {@code options}, if any; null when there is none. */
  private Snapshot.State enterSnapshot(ReadOptions options) {
    Snapshot snapshot = options.snapshot();
    if (snapshot == null) {
      return null;
    }
    if (snapshot.store() != this) {
      throw new IllegalArgumentException("the snapshot belongs to another LsmStore");
    }
    snapshot.state.enter();
    return snapshot.state;
  }

  private static void exitSnapshot(Snapshot.State snapshot) {
    if (snapshot != null) {
      snapshot.exit();
    }
  }

  private static long snapshotHandle(Snapshot.State snapshot) {
    return snapshot == null ? 0 : snapshot.handle;
  }

  /** The path as the OS wants it: in the JVM's file name encoding. */
  private static byte[] pathBytes(Path path) {
    Charset charset;
    try {
      charset = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      charset = StandardCharsets.UTF_8;
    }
    return path.toString().getBytes(charset);
  }
}
