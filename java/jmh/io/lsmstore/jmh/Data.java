package io.lsmstore.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/** The data every benchmark uses: 16-byte keys (the index in decimal), 100-byte values. */
final class Data {
  static final int KEY_SIZE = 16;
  static final int VALUE_SIZE = 100;
  /** Entries per WriteBatch while filling a store. */
  private static final int FILL_BATCH = 1000;

  private Data() {}

  /** Writes key {@code i} (zero-padded decimal) into {@code key}. */
  static void fillKey(byte[] key, long i) {
    for (int p = KEY_SIZE - 1; p >= 0; p--) {
      key[p] = (byte) ('0' + (i % 10));
      i /= 10;
    }
  }

  static byte[] key(long i) {
    byte[] key = new byte[KEY_SIZE];
    fillKey(key, i);
    return key;
  }

  static byte[] value(Random rnd) {
    byte[] v = new byte[VALUE_SIZE];
    rnd.nextBytes(v);
    return v;
  }

  /** A fresh directory for a store, under -Dlsmstore.jmh.dir (default java.io.tmpdir). */
  static Path newDirectory(String engine) {
    try {
      Path base = Path.of(System.getProperty("lsmstore.jmh.dir",
          System.getProperty("java.io.tmpdir")));
      return Files.createTempDirectory(base, "jmh-" + engine + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes keys 0..n-1 in batches, in key order, then flushes: every engine starts from the same
   * data, in table files, with the memtable empty.
   */
  static void fill(Engine store, int n, long seed) {
    Random rnd = new Random(seed);
    for (int start = 0; start < n; start += FILL_BATCH) {
      int count = Math.min(FILL_BATCH, n - start);
      byte[][] keys = new byte[count][];
      byte[][] values = new byte[count][];
      for (int i = 0; i < count; i++) {
        keys[i] = key(start + i);
        values[i] = value(rnd);
      }
      store.writeBatch(keys, values);
    }
    store.flush();
  }
}
