package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.open;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every misuse fails with the documented Java exception; none crashes the JVM. */
class MisuseTest {
  @TempDir Path dir;

  private static void assertNpe(Executable call) {
    NullPointerException e = assertThrows(NullPointerException.class, call);
    assertNotNull(e.getMessage(), "a NullPointerException names the argument");
  }

  private static void assertClosed(Executable call) {
    IllegalStateException e = assertThrows(IllegalStateException.class, call);
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void nullArgumentsThrowNullPointerException() {
    ByteBuffer b = ByteBuffer.allocateDirect(1);
    assertNpe(() -> LsmStore.open(null));
    assertNpe(() -> LsmStore.open(dir, null));
    assertNpe(() -> LsmStore.destroy(null, Options.defaults()));
    try (LsmStore store = open(dir); LsmIterator it = store.newIterator()) {
      assertNpe(() -> store.put(null, bytes("v")));
      assertNpe(() -> store.put(bytes("k"), null));
      assertNpe(() -> store.put(null, bytes("k"), bytes("v")));
      assertNpe(() -> store.put((ByteBuffer) null, b));
      assertNpe(() -> store.put(b, (ByteBuffer) null));
      assertNpe(() -> store.get((byte[]) null));
      assertNpe(() -> store.get((ReadOptions) null, bytes("k")));
      assertNpe(() -> store.get(bytes("k"), (byte[]) null));
      assertNpe(() -> store.get((ByteBuffer) null, b));
      assertNpe(() -> store.get(b, (ByteBuffer) null));
      assertNpe(() -> store.delete((byte[]) null));
      assertNpe(() -> store.delete((ByteBuffer) null));
      assertNpe(() -> store.delete(null, bytes("k")));
      assertNpe(() -> store.write(null));
      assertNpe(() -> store.write(null, new WriteBatch()));
      assertNpe(() -> store.newIterator(null));
      assertNpe(() -> store.property(null));
      assertNpe(() -> it.seek((byte[]) null));
      assertNpe(() -> it.seek((ByteBuffer) null));
      assertNpe(() -> it.seekForPrev((byte[]) null));
      assertNpe(() -> it.seekForPrev((ByteBuffer) null));
      it.seekToFirst();
      store.put(bytes("k"), bytes("v"));
      assertNpe(() -> it.keyInto((byte[]) null));
      assertNpe(() -> it.valueInto((ByteBuffer) null));
      assertNpe(() -> Options.builder().compression(null));
      assertNpe(() -> Options.builder().walRecovery(null));
    }
  }

  @Test
  void everyCallOnAClosedStoreThrowsIllegalStateException() {
    LsmStore store = open(dir);
    store.close();
    assertTrue(store.isClosed());
    ByteBuffer b = ByteBuffer.allocateDirect(4);
    assertClosed(() -> store.put(bytes("k"), bytes("v")));
    assertClosed(() -> store.put(b, b));
    assertClosed(() -> store.get(bytes("k")));
    assertClosed(() -> store.get(bytes("k"), new byte[1]));
    assertClosed(() -> store.get(b, ByteBuffer.allocateDirect(4)));
    assertClosed(() -> store.delete(bytes("k")));
    assertClosed(() -> store.delete(b));
    assertClosed(() -> store.write(new WriteBatch().put(bytes("k"), bytes("v"))));
    assertClosed(store::newIterator);
    assertClosed(store::getSnapshot);
    assertClosed(store::flush);
    assertClosed(store::syncWal);
    assertClosed(() -> store.compactRange(null, null));
    assertClosed(() -> store.property("lsm.stats"));
    store.close(); // idempotent
    store.close();
  }

  @Test
  void everyCallOnAClosedIteratorThrowsIllegalStateException() {
    try (LsmStore store = open(dir)) {
      store.put(bytes("k"), bytes("v"));
      LsmIterator it = store.newIterator();
      it.seekToFirst();
      assertTrue(it.isValid());
      it.close();
      it.close(); // idempotent
      assertTrue(it.isClosed());
      assertClosed(it::isValid);
      assertClosed(it::seekToFirst);
      assertClosed(it::seekToLast);
      assertClosed(() -> it.seek(bytes("k")));
      assertClosed(() -> it.seekForPrev(ByteBuffer.allocateDirect(1)));
      assertClosed(it::next);
      assertClosed(it::prev);
      assertClosed(it::key);
      assertClosed(it::value);
      assertClosed(() -> it.keyInto(new byte[4]));
      assertClosed(() -> it.valueInto(ByteBuffer.allocateDirect(4)));
      // The store is unaffected.
      assertEquals("v", str(store.get(bytes("k"))));
    }
  }

  @Test
  void unpositionedIteratorRefusesEntryAccess() {
    try (LsmStore store = open(dir); LsmIterator it = store.newIterator()) {
      store.put(bytes("k"), bytes("v"));
      IllegalStateException e = assertThrows(IllegalStateException.class, it::key);
      assertTrue(e.getMessage().contains("not positioned"), e.getMessage());
      assertThrows(IllegalStateException.class, it::value);
      assertThrows(IllegalStateException.class, it::next);
      assertThrows(IllegalStateException.class, it::prev);
      assertThrows(IllegalStateException.class, () -> it.keyInto(new byte[1]));
      it.seekToFirst(); // the iterator predates the put: still empty
      assertFalse(it.isValid());
      assertThrows(IllegalStateException.class, it::next);
    }
  }

  @Test
  void closingTheStoreInvalidatesItsIteratorsAndSnapshots() {
    LsmStore store = open(dir);
    store.put(bytes("a"), bytes("1"));
    LsmIterator it = store.newIterator();
    it.seekToFirst();
    Snapshot snapshot = store.getSnapshot();
    ReadOptions atSnapshot = ReadOptions.builder().snapshot(snapshot).build();
    LsmIterator onSnapshot = store.newIterator(atSnapshot);
    store.close();
    assertTrue(it.isClosed());
    assertTrue(onSnapshot.isClosed());
    assertTrue(snapshot.isClosed());
    IllegalStateException e = assertThrows(IllegalStateException.class, it::key);
    assertTrue(e.getMessage().contains("LsmStore was closed"), e.getMessage());
    assertClosed(it::next);
    assertClosed(onSnapshot::seekToFirst);
    // Closing children after the store is harmless.
    it.close();
    onSnapshot.close();
    snapshot.close();
    // And the directory is free again.
    try (LsmStore again = open(dir)) {
      assertEquals("1", str(again.get(bytes("a"))));
    }
  }

  @Test
  void storeClosedUnderARunningIteratorFailsItCleanly() throws Exception {
    LsmStore store = open(dir);
    for (int i = 0; i < 2000; i++) {
      store.put(bytes(String.format("k%05d", i)), bytes("v" + i));
    }
    CountDownLatch iterating = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong steps = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        try (LsmIterator it = store.newIterator()) {
          while (true) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
              it.key();
              it.value();
              steps.incrementAndGet();
              iterating.countDown();
            }
          }
        } catch (IllegalStateException expected) {
          // The store closed under the iterator (or before newIterator): the clean outcome.
        } catch (Throwable t2) {
          failure.set(t2);
        }
      });
      threads.add(thread);
      thread.start();
    }
    iterating.await();
    store.close();
    for (Thread thread : threads) {
      thread.join();
    }
    assertNull(failure.get(), () -> "unexpected: " + failure.get());
    assertTrue(steps.get() > 0);
  }

  @Test
  void snapshotMisuse() {
    try (LsmStore store = open(dir); LsmStore other = LsmStore.open(dir.resolve("other"))) {
      Snapshot snapshot = store.getSnapshot();
      ReadOptions atSnapshot = ReadOptions.builder().snapshot(snapshot).build();
      assertThrows(IllegalArgumentException.class, () -> other.get(atSnapshot, bytes("k")));
      assertThrows(IllegalArgumentException.class, () -> other.newIterator(atSnapshot));
      snapshot.close();
      snapshot.close(); // idempotent
      assertClosed(() -> store.get(atSnapshot, bytes("k")));
      assertClosed(() -> store.get(atSnapshot, bytes("k"), new byte[1], 0, 1));
      assertClosed(() -> store.newIterator(atSnapshot));
      assertTrue(snapshot.sequence() >= 0); // still readable
    }
  }

  @Test
  void badRangesAndReadOnlyOutputsAreRejected() {
    try (LsmStore store = open(dir); LsmIterator it = store.newIterator()) {
      store.put(bytes("k"), bytes("v"));
      assertThrows(IndexOutOfBoundsException.class,
          () -> store.get(ReadOptions.defaults(), bytes("k"), new byte[4], 2, 3));
      assertThrows(IndexOutOfBoundsException.class,
          () -> store.get(ReadOptions.defaults(), bytes("k"), new byte[4], -1, 1));
      assertThrows(ReadOnlyBufferException.class,
          () -> store.get(ByteBuffer.wrap(bytes("k")), ByteBuffer.allocate(4).asReadOnlyBuffer()));
      assertThrows(ReadOnlyBufferException.class,
          () -> store.get(ByteBuffer.wrap(bytes("k")),
              ByteBuffer.allocateDirect(4).asReadOnlyBuffer()));
      it.seekToFirst();
      assertThrows(IndexOutOfBoundsException.class, () -> it.keyInto(new byte[2], 1, 2));
      assertThrows(ReadOnlyBufferException.class,
          () -> it.valueInto(ByteBuffer.allocateDirect(4).asReadOnlyBuffer()));
      // A read-only *input* is fine.
      assertEquals(1, store.get(ByteBuffer.wrap(bytes("k")).asReadOnlyBuffer(),
          ByteBuffer.allocate(4)));
    }
  }

  @Test
  void optionsOutOfRangeAreRejectedByTheBuilder() {
    assertThrows(IllegalArgumentException.class, () -> Options.builder().writeBufferSize(0));
    assertThrows(IllegalArgumentException.class, () -> Options.builder().blockSize(-1));
    assertThrows(IllegalArgumentException.class, () -> Options.builder().bloomBitsPerKey(-1));
    assertThrows(IllegalArgumentException.class, () -> Options.builder().maxOpenFiles(0));
  }
}
