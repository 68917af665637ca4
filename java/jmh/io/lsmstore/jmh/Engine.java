package io.lsmstore.jmh;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The operations the benchmarks time, over lsm ({@link LsmEngine}) or RocksJava ({@link
 * RocksEngine}). Each JMH fork opens one engine, so every call site here sees one implementation
 * and the JIT inlines it: the interface costs both engines the same (nothing).
 *
 * <p>Buffer calls take the key from position to limit and leave positions as the engine leaves
 * them; the benchmarks reset them before each call, for both engines alike.
 *
 * <p>Thread safety: as the engine's store (both are safe for concurrent calls).
 */
interface Engine extends AutoCloseable {
  /** The store shape to open. */
  enum Shape {
    /** The same shape on both engines: bloom 10 bits/key, 64 MiB block cache, 64 MiB memtable. */
    SHARED,
    /** Each engine's own defaults. */
    DEFAULTS
  }

  /** Opens engine {@code name} ("lsm" or "rocksdb") in an empty directory {@code dir}. */
  static Engine open(String name, Shape shape, Path dir) {
    switch (name) {
      case "lsm":
        return new LsmEngine(dir, shape);
      case "rocksdb":
        return new RocksEngine(dir, shape);
      default:
        throw new IllegalArgumentException("unknown engine " + name);
    }
  }

  void put(byte[] key, byte[] value);

  byte[] get(byte[] key);

  void put(ByteBuffer key, ByteBuffer value);

  /** Copies the value into {@code out} at its position; returns its length, or -1 when absent. */
  int get(ByteBuffer key, ByteBuffer out);

  /** Writes {@code keys[i] -> values[i]} for every i in one atomic batch. */
  void writeBatch(byte[][] keys, byte[][] values);

  /** Writes everything buffered in memory to table files and waits for it. */
  void flush();

  Cursor newCursor();

  @Override
  void close();

  /** An iterator over the whole store. Not thread-safe. */
  interface Cursor extends AutoCloseable {
    void seekToFirst();

    void seekToLast();

    void seek(byte[] target);

    boolean isValid();

    void next();

    void prev();

    byte[] key();

    byte[] value();

    @Override
    void close();
  }
}
