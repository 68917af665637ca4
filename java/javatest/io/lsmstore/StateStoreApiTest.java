package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.open;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deleteRange, multiGet, checkpoint, approximateSize and estimateNumKeys, and their misuse. */
class StateStoreApiTest {
  @TempDir Path dir;

  private static List<String> keys(LsmStore store, ReadOptions options) {
    List<String> keys = new ArrayList<>();
    try (LsmIterator it = store.newIterator(options)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        keys.add(str(it.key()));
      }
    }
    return keys;
  }

  @Test
  void deleteRangeRemovesTheHalfOpenRangeForReadersAfterIt() {
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 1000; i++) {
        store.put(bytes(String.format("k%04d", i)), bytes("v" + i));
      }
      store.flush();
      try (Snapshot before = store.getSnapshot()) {
        store.deleteRange(bytes("k0100"), bytes("k0900"));
        store.put(bytes("k0500"), bytes("again"));
        assertNull(store.get(bytes("k0100")));
        assertNull(store.get(bytes("k0899")));
        assertEquals("v900", str(store.get(bytes("k0900"))));
        assertEquals("again", str(store.get(bytes("k0500"))));
        List<byte[]> got = store.multiGet(List.of(bytes("k0099"), bytes("k0700")));
        assertEquals("v99", str(got.get(0)));
        assertNull(got.get(1));
        List<String> live = keys(store, ReadOptions.defaults());
        assertEquals(201, live.size());
        assertTrue(live.contains("k0500"));
        ReadOptions atBefore = ReadOptions.builder().snapshot(before).build();
        assertEquals("v700", str(store.get(atBefore, bytes("k0700"))));
        assertEquals(1000, keys(store, atBefore).size());
      }
      store.compactRange(null, null);
      assertEquals(201, keys(store, ReadOptions.defaults()).size());
      store.deleteRange(bytes("k0950"), bytes("k0950")); // empty: removes nothing
      assertEquals("v950", str(store.get(bytes("k0950"))));
    }
  }

  @Test
  void deleteRangeInABatchAndItsMisuse() {
    try (LsmStore store = open(dir);
        WriteBatch batch = new WriteBatch()) {
      store.put(bytes("a1"), bytes("x"));
      store.put(bytes("a2"), bytes("x"));
      batch.deleteRange(bytes("a"), bytes("b")).put(bytes("a2"), bytes("kept"));
      assertEquals(2, batch.count());
      store.write(batch);
      assertNull(store.get(bytes("a1")));
      assertEquals("kept", str(store.get(bytes("a2"))));
      LsmException reversed =
          assertThrows(LsmException.class, () -> store.deleteRange(bytes("b"), bytes("a")));
      assertEquals(Status.Code.INVALID_ARGUMENT, reversed.status().code());
      assertTrue(reversed.getMessage().contains("sorts after"), reversed.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> batch.deleteRange(bytes("b"), bytes("a")));
      // Unsigned order: 0xff sorts after 0x01.
      assertThrows(IllegalArgumentException.class,
          () -> batch.deleteRange(new byte[] {(byte) 0xff}, new byte[] {1}));
      assertThrows(NullPointerException.class, () -> store.deleteRange(null, bytes("a")));
      assertThrows(NullPointerException.class, () -> batch.deleteRange(bytes("a"), null));
      LsmException big = assertThrows(LsmException.class,
          () -> store.deleteRange(new byte[70_000], new byte[70_001]));
      assertEquals(Status.Code.INVALID_ARGUMENT, big.status().code());
    }
  }

  @Test
  void multiGetAnswersEveryKeyInOrderAsOfOneSnapshot() {
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 500; i++) {
        store.put(bytes("k" + i), bytes("v" + i));
      }
      store.flush();
      store.delete(bytes("k3"));
      List<byte[]> got =
          store.multiGet(Arrays.asList(bytes("k7"), bytes("k3"), bytes("nope"), bytes("k7")));
      assertEquals(4, got.size());
      assertEquals("v7", str(got.get(0)));
      assertNull(got.get(1));
      assertNull(got.get(2));
      assertEquals("v7", str(got.get(3)));
      try (Snapshot snap = store.getSnapshot()) {
        store.put(bytes("k7"), bytes("later"));
        ReadOptions atSnap = ReadOptions.builder().snapshot(snap).build();
        assertEquals("v7", str(store.multiGet(atSnap, List.of(bytes("k7"))).get(0)));
      }
      assertEquals("later", str(store.multiGet(List.of(bytes("k7"))).get(0)));
      assertTrue(store.multiGet(new ArrayList<>()).isEmpty());
      List<byte[]> withNull = Arrays.asList(bytes("k1"), null);
      assertThrows(NullPointerException.class, () -> store.multiGet(withNull));
      LsmException big =
          assertThrows(LsmException.class, () -> store.multiGet(List.of(new byte[70_000])));
      assertEquals(Status.Code.INVALID_ARGUMENT, big.status().code());
    }
  }

  @Test
  void checkpointIsAConsistentIndependentStore() {
    Path cp = dir.resolve("cp");
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 2000; i++) {
        store.put(bytes("k" + i), bytes("v" + i));
      }
      store.checkpoint(cp);
      store.put(bytes("after"), bytes("x"));
      LsmException exists = assertThrows(LsmException.class, () -> store.checkpoint(cp));
      assertEquals(Status.Code.ALREADY_EXISTS, exists.status().code());
      assertTrue(exists.getMessage().contains(cp.toString()), exists.getMessage());
    }
    assertTrue(Files.isDirectory(cp));
    try (LsmStore copy = LsmStore.open(cp, StoreTestSupport.smallOptions())) {
      assertEquals("v0", str(copy.get(bytes("k0"))));
      assertEquals("v1999", str(copy.get(bytes("k1999"))));
      assertNull(copy.get(bytes("after")));
    }
  }

  @Test
  void approximateSizeAndEstimatedKeys() {
    try (LsmStore store = open(dir)) {
      assertEquals(0, store.estimateNumKeys());
      for (int i = 0; i < 3000; i++) {
        store.put(bytes(String.format("k%06d", i)), new byte[100]);
      }
      assertEquals(3000, store.estimateNumKeys());
      store.flush();
      long all = store.approximateSize(bytes("k"), bytes("l"));
      long none = store.approximateSize(bytes("a"), bytes("b"));
      assertTrue(all > 3000 * 10, "all: " + all);
      assertEquals(0, none);
      LsmException reversed =
          assertThrows(LsmException.class, () -> store.approximateSize(bytes("b"), bytes("a")));
      assertEquals(Status.Code.INVALID_ARGUMENT, reversed.status().code());
      assertThrows(NullPointerException.class, () -> store.approximateSize(null, bytes("a")));
    }
  }

  @Test
  void statisticsCountWhatTheStoreDid() {
    try (LsmStore store = open(dir)) {
      Statistics zero = store.statistics();
      assertEquals(0, zero.gets());
      assertEquals(0, zero.getLatency().count());
      for (int i = 0; i < 200; i++) {
        store.put(bytes("k" + i), bytes("value"));
      }
      for (int i = 0; i < 150; i++) {
        store.get(bytes("k" + i));
      }
      store.get(bytes("absent"));
      store.multiGet(List.of(bytes("k1"), bytes("nope")));
      try (LsmIterator it = store.newIterator()) {
        it.seekToFirst();
        it.seek(bytes("k5"));
      }
      Statistics st = store.statistics();
      assertEquals(153, st.gets());
      assertEquals(151, st.getsFound());
      assertEquals(151 * 5, st.bytesRead());
      assertEquals(152, st.getLatency().count());
      assertEquals(200, st.writes());
      assertEquals(200, st.writeLatency().count());
      assertEquals(2, st.seekLatency().count());
      assertTrue(st.getLatency().max().compareTo(st.getLatency().p50()) >= 0, st.toString());
      assertTrue(st.writeLatency().max().toNanos() > 0, st.toString());
      assertTrue(st.toString().contains("gets=153"), st.toString());
      assertTrue(st.blockCacheNotAdmitted() <= st.blockCacheMisses(), st.toString());
      assertTrue(st.toString().contains("blockCacheNotAdmitted="), st.toString());
    }
  }

  @Test
  void memoryUsageAddsUp() {
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 2000; i++) {
        store.put(bytes("k" + i), new byte[100]);
      }
      MemoryUsage before = store.memoryUsage();
      assertTrue(before.activeMemtable() + before.frozenMemtables() > 0, before.toString());
      store.flush();
      for (int i = 0; i < 2000; i += 7) {
        store.get(bytes("k" + i));
      }
      MemoryUsage m = store.memoryUsage();
      assertTrue(m.blockCache() > 0, m.toString());
      assertTrue(m.tableReaders() > 0, m.toString());
      assertTrue(m.blockCache() <= m.blockCacheCapacity(), m.toString());
      assertEquals(0, m.budget());
      try (LsmIterator it = store.newIterator()) {
        it.seekToFirst();
        MemoryUsage held = store.memoryUsage();
        assertTrue(held.iteratorPinned() > 0, held.toString());
        assertEquals(held.activeMemtable() + held.frozenMemtables() + held.blockCache()
            + held.tableReaders() + held.iteratorPinned(), held.total());
      }
      assertEquals(0, store.memoryUsage().iteratorPinned());
    }
  }

  @Test
  void memoryBudgetBoundsTheBlockCache() {
    Options budgeted = StoreTestSupport.smallOptions().toBuilder().memoryBudget(4L << 20).build();
    assertEquals(4L << 20, budgeted.memoryBudget());
    try (LsmStore store = LsmStore.open(dir, budgeted)) {
      for (int i = 0; i < 20_000; i++) {
        store.put(bytes(String.format("k%06d", i)), new byte[200]);
      }
      store.flush();
      for (int i = 0; i < 20_000; i += 3) {
        store.get(bytes(String.format("k%06d", i)));
      }
      MemoryUsage m = store.memoryUsage();
      assertEquals(4L << 20, m.budget());
      assertTrue(m.blockCacheCapacity() <= 3L << 20, m.toString()); // three quarters at most
      assertTrue(m.blockCache() <= m.blockCacheCapacity(), m.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> Options.builder().memoryBudget(-1));
  }

  @Test
  void closedStoreRefusesEveryCall() {
    LsmStore store = open(dir);
    store.close();
    assertThrows(IllegalStateException.class, () -> store.multiGet(List.of(bytes("a"))));
    assertThrows(IllegalStateException.class, () -> store.deleteRange(bytes("a"), bytes("b")));
    assertThrows(IllegalStateException.class, () -> store.checkpoint(dir.resolve("cp")));
    assertThrows(IllegalStateException.class, () -> store.approximateSize(bytes("a"), bytes("b")));
    assertThrows(IllegalStateException.class, store::estimateNumKeys);
    assertThrows(IllegalStateException.class, store::statistics);
    assertThrows(IllegalStateException.class, store::memoryUsage);
  }
}
