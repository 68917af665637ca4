package io.lsmstore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Helpers shared by the tests. */
final class StoreTestSupport {
  private StoreTestSupport() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** Options that keep tests small: a small memtable so flushes and compactions happen. */
  static Options smallOptions() {
    return Options.builder()
        .writeBufferSize(64 << 10)
        .blockCacheCapacity(1 << 20)
        .targetFileSize(256 << 10)
        .maxBytesForLevelBase(1 << 20)
        .build();
  }

  static LsmStore open(Path dir) {
    return LsmStore.open(dir.resolve("db"), smallOptions());
  }

  static byte[] randomBytes(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  /** A random seed, printed so a failure can be replayed with -Dtest.seed=N. */
  static long seed(String test) {
    String fixed = System.getProperty("test.seed");
    long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
    System.out.println(test + ": seed=" + seed);
    return seed;
  }

  /** The resident set size of this process in bytes, from /proc (Linux). */
  static long rssBytes() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
