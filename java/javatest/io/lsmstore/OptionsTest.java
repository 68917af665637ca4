package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OptionsTest {
  @TempDir Path dir;

  @Test
  void defaultsMirrorTheCppDefaults() {
    Options o = Options.defaults();
    assertTrue(o.createIfMissing());
    assertFalse(o.errorIfExists());
    assertFalse(o.paranoidChecks());
    assertEquals(WalRecoveryMode.TOLERATE_CORRUPTED_TAIL_RECORDS, o.walRecovery());
    assertEquals(16L << 20, o.writeBufferSize());
    assertEquals(4096, o.blockSize());
    assertEquals(16, o.blockRestartInterval());
    assertEquals(10, o.bloomBitsPerKey());
    assertEquals(Compression.SNAPPY, o.compression());
    assertEquals(64L << 20, o.blockCacheCapacity());
    assertEquals(1000, o.maxOpenFiles());
    assertEquals(2, o.maxBackgroundJobs());
    assertEquals(64L << 20, o.targetFileSize());
    assertEquals(256L << 20, o.maxBytesForLevelBase());
    assertEquals(10, o.levelSizeMultiplier());
    assertEquals(4, o.level0CompactionTrigger());
    assertEquals(20, o.level0SlowdownWritesTrigger());
    assertEquals(36, o.level0StopWritesTrigger());
    assertEquals(4, o.maxWriteBufferNumber());
    assertEquals(MemTableStructure.BTREE, o.memtableStructure());
    assertEquals(32L << 20, o.maxManifestFileSize());
    assertEquals(0, o.memoryBudget());
    assertTrue(o.allowMmapReads());
    assertTrue(o.walMmapWrites());
    // And every one of them is what lsm::Options has, field for field.
    assertArrayEquals(NativeMethods.defaultOptions(), o.toNativeArray());
  }

  @Test
  void builderIsAValueFactory() {
    Options a = Options.builder().blockSize(8192).compression(Compression.ZSTD).build();
    Options b = a.toBuilder().build();
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotSame(a, b);
    Options c = a.toBuilder()
        .paranoidChecks(true)
        .memtableStructure(MemTableStructure.SKIP_LIST)
        .build();
    assertNotEquals(a, c);
    assertFalse(a.paranoidChecks()); // a is unchanged
    assertTrue(a.toString().contains("blockSize=8192"));
    // The native layout: 24 fields in the order of jni/lsm_jni.cc's OptionIndex.
    long[] n = c.toNativeArray();
    assertEquals(24, n.length);
    assertEquals(1, n[2]); // paranoid_checks
    assertEquals(8192, n[5]); // block_size
    assertEquals(2, n[8]); // compression kZstd
    assertEquals(1, n[23]); // memtable_structure kSkipList
  }

  @Test
  void readOptionsCopyTheirBounds() {
    byte[] lower = bytes("a");
    ReadOptions ro = ReadOptions.builder().lowerBound(lower).fillCache(false).build();
    lower[0] = 'z';
    assertArrayEquals(bytes("a"), ro.lowerBound());
    ro.lowerBound()[0] = 'q';
    assertArrayEquals(bytes("a"), ro.lowerBound());
    assertNull(ro.upperBound());
    assertFalse(ro.fillCache());
    assertTrue(ro.verifyChecksums());
    assertEquals(1, ro.nativeFlags());
    assertEquals(3, ReadOptions.defaults().nativeFlags());
    assertTrue(WriteOptions.of(true).sync());
    assertFalse(WriteOptions.DEFAULT.sync());
  }

  // Each structure holds writes in memtables that are frozen, flushed and
  // replayed from the log on reopen; reads see them from all three.
  @ParameterizedTest
  @EnumSource(MemTableStructure.class)
  void everyMemTableStructureStoresAndReadsBack(MemTableStructure structure) {
    Options options = Options.builder()
        .memtableStructure(structure)
        .writeBufferSize(64 << 10)
        .build();
    assertEquals(structure, options.memtableStructure());
    Path db = dir.resolve("db");
    try (LsmStore store = LsmStore.open(db, options)) {
      // Every key of 0..4999 once, in a scrambled order (7919 is prime), then
      // every third one again.
      for (int i = 0; i < 5000; i++) {
        int k = i * 7919 % 5000;
        store.put(bytes("key" + k), bytes("value " + k));
      }
      for (int k = 0; k < 5000; k += 3) {
        store.put(bytes("key" + k), bytes("newer " + k));
      }
      for (int k = 0; k < 5000; k += 11) {
        assertEquals((k % 3 == 0 ? "newer " : "value ") + k, str(store.get(bytes("key" + k))));
      }
    }
    try (LsmStore store = LsmStore.open(db, options)) {
      for (int k = 0; k < 5000; k += 7) {
        assertEquals((k % 3 == 0 ? "newer " : "value ") + k, str(store.get(bytes("key" + k))));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void everyCompressionStoresAndReadsBack(Compression compression) {
    Options options = Options.builder()
        .compression(compression)
        .writeBufferSize(32 << 10)
        .blockSize(1024)
        .bloomBitsPerKey(0)
        .build();
    Path db = dir.resolve("db");
    try (LsmStore store = LsmStore.open(db, options)) {
      for (int i = 0; i < 3000; i++) {
        store.put(bytes("key" + i), bytes("value value value " + i));
      }
      store.flush();
    }
    try (LsmStore store = LsmStore.open(db, options)) {
      for (int i = 0; i < 3000; i += 13) {
        assertEquals("value value value " + i, str(store.get(bytes("key" + i))));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(WalRecoveryMode.class)
  void everyRecoveryModeOpensACleanStore(WalRecoveryMode mode) {
    Options options = Options.builder().walRecovery(mode).paranoidChecks(true).build();
    Path db = dir.resolve("db");
    try (LsmStore store = LsmStore.open(db, options)) {
      store.put(bytes("k"), bytes("v"));
    }
    try (LsmStore store = LsmStore.open(db, options)) {
      assertEquals("v", str(store.get(bytes("k"))));
    }
  }

  @Test
  void statusCodesMapBothWays() {
    for (Status.Code code : Status.Code.values()) {
      assertEquals(code, Status.Code.fromValue(code.value()));
    }
    assertEquals(Status.Code.UNKNOWN, Status.Code.fromValue(99));
    assertEquals(Status.Code.UNKNOWN, Status.Code.fromValue(-1));
    LsmException e = new LsmException(99, "from the future");
    assertEquals(Status.Code.UNKNOWN, e.code());
    assertEquals(99, e.status().rawCode());
    assertEquals(Status.Code.DATA_LOSS, new LsmException(15, "bad block").code());
    assertEquals("DATA_LOSS: bad block", new LsmException(15, "bad block").getMessage());
  }
}
