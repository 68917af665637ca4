package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native memory stays flat across many iterators and snapshots, and what the caller forgets to
 * close is freed by the Cleaner and reported exactly once. Run with a fixed, pre-touched heap
 * (see java/BUILD.bazel) so that the process's resident size moves only with native memory.
 */
class LeakTest {
  private static final long MIB = 1 << 20;
  // Keeps the logger (and so the handler) alive: JUL loggers are weakly held.
  private static final Logger LOG = Logger.getLogger("io.lsmstore");

  @TempDir Path dir;

  private static long memoryUsage(LsmStore store) {
    return Long.parseLong(store.property("lsm.approximate-memory-usage").trim());
  }

  private static void churn(LsmStore store, int iterators) {
    ByteBuffer out = ByteBuffer.allocateDirect(64);
    for (int i = 0; i < iterators; i++) {
      try (LsmIterator it = store.newIterator()) {
        it.seek(bytes(String.format("k%05d", (i * 7919) % 3000)));
        for (int step = 0; step < 3 && it.isValid(); step++) {
          it.key();
          out.clear();
          it.valueInto(out);
          it.next();
        }
      }
      if (i % 10 == 0) {
        try (Snapshot s = store.getSnapshot();
            LsmIterator it = store.newIterator(ReadOptions.builder().snapshot(s).build())) {
          it.seekToLast();
        }
      }
    }
  }

  @Test
  void thousandsOfIteratorsLeaveNativeMemoryFlat() throws Exception {
    try (LsmStore store = StoreTestSupport.open(dir)) {
      for (int i = 0; i < 3000; i++) {
        store.put(bytes(String.format("k%05d", i)), bytes("value-" + i));
        if (i == 1500) {
          store.flush(); // iterators then span an SST and the memtable
        }
      }
      // Warm up until the JVM's own native memory (JIT code, metaspace) and malloc's arenas have
      // settled: measured, the process's RSS grows for ~100,000 operations of any kind, then
      // stays flat, while a leaked native iterator costs about 2 KiB (100 MiB per 50,000).
      churn(store, 100_000);
      System.gc();
      long rssBefore = StoreTestSupport.rssBytes();
      long usageBefore = memoryUsage(store);

      churn(store, 50_000);
      System.gc();
      long rssAfter = StoreTestSupport.rssBytes();
      long usageAfter = memoryUsage(store);

      System.out.printf("RSS %d -> %d KiB; lsm.approximate-memory-usage %d -> %d%n",
          rssBefore / 1024, rssAfter / 1024, usageBefore, usageAfter);
      // 50,000 iterators: leaking even 500 bytes each would add 24 MiB. The store's own memory
      // estimate does not count iterators; it must not move either.
      assertTrue(rssAfter - rssBefore < 24 * MIB,
          "RSS grew by " + (rssAfter - rssBefore) / 1024 + " KiB over 50,000 iterators");
      assertTrue(usageAfter - usageBefore < 4 * MIB,
          "approximate memory grew from " + usageBefore + " to " + usageAfter);
      assertEquals("value-42", str(store.get(bytes("k00042"))));
    }
  }

  /** Creates objects and drops them without closing. */
  private static void forget(LsmStore store, int iterators, int snapshots) {
    for (int i = 0; i < iterators; i++) {
      store.newIterator().seekToFirst();
    }
    for (int i = 0; i < snapshots; i++) {
      store.getSnapshot();
    }
  }

  private static void forgetStore(Path path) {
    LsmStore.open(path).put(bytes("k"), bytes("v"));
  }

  @Test
  void theCleanerFreesForgottenObjectsAndReportsEachOnce() throws Exception {
    List<LogRecord> records = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        synchronized (records) {
          records.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    LOG.addHandler(handler);
    try (LsmStore store = StoreTestSupport.open(dir)) {
      store.put(bytes("k"), bytes("v"));
      long before = NativeState.leakedCount();
      forget(store, 40, 10);
      forgetStore(dir.resolve("forgotten"));
      // Wait for the collector and the Cleaner thread (a bounded wait, not a timing assertion).
      for (int i = 0; i < 500 && NativeState.leakedCount() - before < 51; i++) {
        System.gc();
        Thread.sleep(10);
      }
      assertEquals(51, NativeState.leakedCount() - before);
      Thread.sleep(50);
      System.gc();
      assertEquals(51, NativeState.leakedCount() - before, "each object is freed once");

      List<String> messages = new ArrayList<>();
      synchronized (records) {
        for (LogRecord r : records) {
          assertEquals(Level.WARNING, r.getLevel());
          messages.add(r.getMessage());
        }
      }
      assertEquals(51, messages.size(), "one report per forgotten object");
      assertEquals(40, messages.stream().filter(m -> m.startsWith("LsmIterator ")).count());
      assertEquals(10, messages.stream().filter(m -> m.startsWith("Snapshot ")).count());
      assertEquals(1, messages.stream().filter(m -> m.startsWith("LsmStore ")).count());

      // The forgotten store's directory was unlocked by the Cleaner.
      try (LsmStore again = LsmStore.open(dir.resolve("forgotten"))) {
        assertEquals("v", str(again.get(bytes("k"))));
      }
      // The live store is unaffected and closes normally.
      assertEquals("v", str(store.get(bytes("k"))));
    } finally {
      LOG.removeHandler(handler);
    }
  }
}
