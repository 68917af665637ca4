package io.lsmstore.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lsmstore.Options;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lsm store on its own, initialised with Kafka Streams' MockProcessorContext. */
class LsmKeyValueStoreTest {
  @TempDir Path stateDir;
  MockProcessorContext<Object, Object> processorContext;
  RecordingContext context;
  LsmKeyValueStore store;

  /** Kafka's mock state-store context, keeping the restore callback the store registers. */
  static final class RecordingContext implements StateStoreContext {
    final StateStoreContext mock;
    StateRestoreCallback restoreCallback;

    RecordingContext(StateStoreContext mock) {
      this.mock = mock;
    }

    @Override
    public String applicationId() {
      return mock.applicationId();
    }

    @Override
    public TaskId taskId() {
      return mock.taskId();
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
      return mock.recordMetadata();
    }

    @Override
    public Serde<?> keySerde() {
      return mock.keySerde();
    }

    @Override
    public Serde<?> valueSerde() {
      return mock.valueSerde();
    }

    @Override
    public File stateDir() {
      return mock.stateDir();
    }

    @Override
    public StreamsMetrics metrics() {
      return mock.metrics();
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
      restoreCallback = callback;
      mock.register(store, callback);
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback commit) {
      restoreCallback = callback;
      mock.register(store, callback, commit);
    }

    @Override
    public Map<String, Object> appConfigs() {
      return mock.appConfigs();
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
      return mock.appConfigsWithPrefix(prefix);
    }
  }

  @BeforeEach
  void open() {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "app");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    processorContext = new MockProcessorContext<>(config, new TaskId(0, 3), stateDir.toFile());
    context = new RecordingContext(processorContext.getStateStoreContext());
    store = newStore();
    store.init(context, store);
  }

  LsmKeyValueStore newStore() {
    return (LsmKeyValueStore) LsmStores.persistentKeyValueStore("kv", Options.defaults()).get();
  }

  @AfterEach
  void close() {
    store.close();
  }

  static Bytes b(String s) {
    return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] v(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  static List<String> drain(KeyValueIterator<Bytes, byte[]> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        Bytes peeked = it.peekNextKey();
        KeyValue<Bytes, byte[]> kv = it.next();
        assertEquals(peeked, kv.key);
        out.add(new String(kv.key.get(), StandardCharsets.UTF_8) + "=" + str(kv.value));
      }
      assertThrows(NoSuchElementException.class, it::next);
      assertThrows(NoSuchElementException.class, it::peekNextKey);
    }
    return out;
  }

  @Test
  void livesUnderTheTaskDirectoryAndIsPersistent() {
    assertEquals("kv", store.name());
    assertTrue(store.persistent());
    assertTrue(store.isOpen());
    assertEquals(stateDir.resolve("lsm").resolve("kv"), store.directory());
    assertTrue(Files.isRegularFile(store.directory().resolve("CURRENT")));
    processorContext.setRecordMetadata("input", 0, 7);
    store.put(b("kept"), v("1"));
    assertFalse(store.getPosition().isEmpty());
    store.close();
    assertFalse(store.isOpen());
    store.close(); // idempotent
    // Kafka Streams may initialise a closed store again: the data is there, the position anew.
    store.init(context, store);
    assertTrue(store.isOpen());
    assertEquals("1", str(store.get(b("kept"))));
    assertTrue(store.getPosition().isEmpty());
  }

  @Test
  void putGetDeleteAndPutIfAbsent() {
    assertNull(store.get(b("a")));
    store.put(b("a"), v("1"));
    assertEquals("1", str(store.get(b("a"))));
    assertEquals("1", str(store.putIfAbsent(b("a"), v("2"))));
    assertEquals("1", str(store.get(b("a"))));
    assertNull(store.putIfAbsent(b("b"), v("3")));
    assertEquals("3", str(store.get(b("b"))));
    assertEquals("3", str(store.delete(b("b"))));
    assertNull(store.delete(b("b")));
    assertNull(store.get(b("b")));
    store.put(b("a"), null); // a null value deletes
    assertNull(store.get(b("a")));
    store.putAll(List.of(KeyValue.pair(b("x"), v("1")), KeyValue.pair(b("y"), v("2")),
        KeyValue.pair(b("x"), null), KeyValue.pair(b("z"), v("3"))));
    assertEquals(List.of("y=2", "z=3"), drain(store.all()));
    assertThrows(NullPointerException.class, () -> store.put(null, v("1")));
    assertThrows(NullPointerException.class, () -> store.get(null));
  }

  @Test
  void rangesWithNullBoundsForwardAndBackward() {
    for (String k : new String[] {"a", "ab", "b", "ba", "c"}) {
      store.put(b(k), v(k.toUpperCase()));
    }
    assertEquals(5, store.approximateNumEntries(), "five distinct keys, no overwrite or deletion");
    assertEquals(List.of("ab=AB", "b=B", "ba=BA"), drain(store.range(b("ab"), b("ba"))));
    assertEquals(List.of("a=A", "ab=AB", "b=B"), drain(store.range(null, b("b"))));
    assertEquals(List.of("ba=BA", "c=C"), drain(store.range(b("b0"), null)));
    assertEquals(5, drain(store.range(null, null)).size());
    assertEquals(List.of(), drain(store.range(b("c"), b("a"))));
    assertEquals(List.of("ba=BA", "b=B", "ab=AB"), drain(store.reverseRange(b("ab"), b("ba"))));
    assertEquals(List.of("b=B", "ab=AB", "a=A"), drain(store.reverseRange(null, b("b"))));
    assertEquals(List.of("c=C", "ba=BA"), drain(store.reverseRange(b("b0"), null)));
    assertEquals(List.of(), drain(store.reverseRange(b("c"), b("a"))));
    assertEquals(List.of("a=A", "ab=AB", "b=B", "ba=BA", "c=C"), drain(store.all()));
    assertEquals(List.of("c=C", "ba=BA", "b=B", "ab=AB", "a=A"), drain(store.reverseAll()));
  }

  /** Ranges, reverse ranges and prefix scans against a sorted map, on random binary keys. */
  @Test
  void randomOperationsMatchASortedMap() {
    long seed = System.nanoTime();
    System.out.println("LsmKeyValueStoreTest.randomOperationsMatchASortedMap seed=" + seed);
    Random random = new Random(seed);
    NavigableMap<Bytes, byte[]> model = new TreeMap<>();
    byte[] alphabet = {0x00, 0x01, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};
    for (int step = 0; step < 3000; step++) {
      Bytes key = randomKey(random, alphabet);
      int op = random.nextInt(10);
      if (op < 6) {
        byte[] value = ("v" + step).getBytes(StandardCharsets.UTF_8);
        store.put(key, value);
        model.put(key, value);
      } else if (op < 7) {
        assertArrayEquals(model.remove(key), store.delete(key), "seed " + seed);
      } else if (op < 8) {
        Bytes other = randomKey(random, alphabet);
        Bytes from = key.compareTo(other) <= 0 ? key : other;
        Bytes to = key.compareTo(other) <= 0 ? other : key;
        boolean openFrom = random.nextInt(5) == 0;
        boolean openTo = random.nextInt(5) == 0;
        NavigableMap<Bytes, byte[]> slice = model;
        if (!openFrom) {
          slice = slice.tailMap(from, true);
        }
        if (!openTo) {
          slice = slice.headMap(to, true);
        }
        assertEquals(render(slice), drain(store.range(openFrom ? null : from, openTo ? null : to)),
            "seed " + seed);
        assertEquals(render(slice.descendingMap()),
            drain(store.reverseRange(openFrom ? null : from, openTo ? null : to)), "seed " + seed);
      } else if (op < 9) {
        byte[] prefix = Arrays.copyOf(key.get(), random.nextInt(key.get().length + 1));
        NavigableMap<Bytes, byte[]> slice = new TreeMap<>();
        for (Map.Entry<Bytes, byte[]> e : model.entrySet()) {
          byte[] k = e.getKey().get();
          if (k.length >= prefix.length
              && Arrays.equals(Arrays.copyOf(k, prefix.length), prefix)) {
            slice.put(e.getKey(), e.getValue());
          }
        }
        assertEquals(render(slice), drain(store.prefixScan(prefix, new ByteArraySerializer())),
            "seed " + seed + " prefix " + Arrays.toString(prefix));
      } else {
        assertArrayEquals(model.get(key), store.get(key), "seed " + seed);
      }
      if (step == 1500) {
        store.engine().flush(); // half the entries in a table, the rest in the memtable
      }
    }
    assertEquals(render(model), drain(store.all()), "seed " + seed);
    assertEquals(render(model.descendingMap()), drain(store.reverseAll()), "seed " + seed);
  }

  static Bytes randomKey(Random random, byte[] alphabet) {
    byte[] k = new byte[1 + random.nextInt(3)];
    for (int i = 0; i < k.length; i++) {
      k[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return Bytes.wrap(k);
  }

  static List<String> render(Map<Bytes, byte[]> map) {
    List<String> out = new ArrayList<>();
    map.forEach((k, val) -> out.add(new String(k.get(), StandardCharsets.UTF_8) + "=" + str(val)));
    return out;
  }

  @Test
  void prefixEndIsTheFirstKeyAfterThePrefix() {
    assertArrayEquals(new byte[] {'a', 'c'}, LsmKeyValueStore.prefixEnd(new byte[] {'a', 'b'}));
    assertArrayEquals(new byte[] {'b'}, LsmKeyValueStore.prefixEnd(new byte[] {'a', (byte) 0xff}));
    assertNull(LsmKeyValueStore.prefixEnd(new byte[] {(byte) 0xff, (byte) 0xff}));
    assertNull(LsmKeyValueStore.prefixEnd(new byte[0]));
  }

  @Test
  void restoresChangelogBatchesWithDeletions() {
    store.put(b("gone"), v("x"));
    BatchingStateRestoreCallback restore = (BatchingStateRestoreCallback) context.restoreCallback;
    restore.restoreAll(List.of(
        KeyValue.pair(v("a"), v("1")), KeyValue.pair(v("b"), v("2")),
        KeyValue.pair(v("gone"), null), KeyValue.pair(v("a"), v("3"))));
    assertEquals(List.of("a=3", "b=2"), drain(store.all()));
  }

  @Test
  void aSecondOpenOfTheDirectoryFailsWithProcessorStateException() {
    LsmKeyValueStore second = newStore();
    ProcessorStateException e =
        assertThrows(ProcessorStateException.class, () -> second.init(context, second));
    assertTrue(e.getMessage().contains("locked"), e.getMessage());
    assertFalse(second.isOpen());
    store.put(b("still"), v("works"));
    store.close();
    second.init(context, second);
    assertEquals("works", str(second.get(b("still"))));
    second.close();
  }

  @Test
  void aClosedStoreThrowsInvalidStateStoreExceptionAndClosesItsIterators() {
    store.put(b("a"), v("1"));
    store.put(b("b"), v("2"));
    KeyValueIterator<Bytes, byte[]> it = store.all();
    assertTrue(it.hasNext());
    assertEquals(1, store.openIterators());
    store.close();
    assertThrows(InvalidStateStoreException.class, it::hasNext);
    assertThrows(InvalidStateStoreException.class, () -> store.get(b("a")));
    assertThrows(InvalidStateStoreException.class, () -> store.put(b("a"), v("1")));
    assertThrows(InvalidStateStoreException.class, () -> store.range(null, null));
    assertThrows(InvalidStateStoreException.class, store::approximateNumEntries);
    it.close(); // closing again is harmless
    QueryResult<byte[]> r =
        store.query(KeyQuery.withKey(b("a")), PositionBound.unbounded(), new QueryConfig(false));
    assertTrue(r.isFailure());
    assertEquals(FailureReason.STORE_EXCEPTION, r.getFailureReason());
  }

  @Test
  void iteratorsCloseTheirNativeIteratorAndRunTheCloseCallback() {
    store.put(b("a"), v("1"));
    LsmKeyValueIterator it = (LsmKeyValueIterator) store.all();
    int[] callbacks = {0};
    it.onClose(() -> callbacks[0]++);
    assertEquals(1, store.openIterators());
    it.close();
    it.close();
    assertEquals(0, store.openIterators());
    assertEquals(1, callbacks[0]);
    assertThrows(InvalidStateStoreException.class, it::hasNext);
  }

  @Test
  void commitSyncsTheLogOnceAndOnlyAfterUpdates() {
    long syncs = store.engine().statistics().walSyncs();
    store.commit(Map.of(new TopicPartition("changelog", 3), 10L));
    assertEquals(syncs, store.engine().statistics().walSyncs(), "nothing to sync");
    store.put(b("a"), v("1"));
    store.put(b("b"), v("2"));
    long writes = store.engine().statistics().writes();
    store.commit(Map.of(new TopicPartition("changelog", 3), 12L));
    assertEquals(syncs + 1, store.engine().statistics().walSyncs(), "one sync for both puts");
    assertEquals(writes, store.engine().statistics().writes(), "the sync writes no record");
    store.commit(Map.of(new TopicPartition("changelog", 3), 12L));
    assertEquals(syncs + 1, store.engine().statistics().walSyncs(), "nothing new to sync");
    assertEquals(List.of("a=1", "b=2"), drain(store.all()));
    store.delete(b("a"));
    store.commit(Map.of(new TopicPartition("changelog", 3), 13L));
    assertEquals(syncs + 2, store.engine().statistics().walSyncs(), "a deletion is synced too");
    store.putAll(List.of(KeyValue.pair(b("c"), v("3")), KeyValue.pair(b("d"), v("4"))));
    store.commit(Map.of(new TopicPartition("changelog", 3), 15L));
    assertEquals(syncs + 3, store.engine().statistics().walSyncs(), "putAll is synced too");
    BatchingStateRestoreCallback restore = (BatchingStateRestoreCallback) context.restoreCallback;
    restore.restoreAll(List.of(KeyValue.pair(v("e"), v("5"))));
    store.commit(Map.of(new TopicPartition("changelog", 3), 16L));
    assertEquals(syncs + 4, store.engine().statistics().walSyncs(), "restored records too");
    restore.restoreAll(List.of());
    store.commit(Map.of(new TopicPartition("changelog", 3), 16L));
    assertEquals(syncs + 4, store.engine().statistics().walSyncs(), "an empty restore batch");
    assertEquals(writes + 3, store.engine().statistics().writes(), "delete, putAll, restore");
    assertEquals(List.of("b=2", "c=3", "d=4", "e=5"), drain(store.all()));
  }

  @Test
  void interactiveQueriesKeyAndRangeWithPositions() {
    processorContext.setRecordMetadata("input", 0, 41);
    store.put(b("a"), v("1"));
    processorContext.setRecordMetadata("input", 0, 42);
    store.put(b("b"), v("2"));
    store.put(b("c"), v("3"));
    assertEquals(Position.emptyPosition().withComponent("input", 0, 42), store.getPosition());

    QueryConfig withInfo = new QueryConfig(true);
    QueryResult<byte[]> key = store.query(KeyQuery.withKey(b("b")), PositionBound.unbounded(), withInfo);
    assertTrue(key.isSuccess());
    assertEquals("2", str(key.getResult()));
    assertFalse(key.getExecutionInfo().isEmpty());
    assertEquals(store.getPosition(), key.getPosition());

    QueryResult<KeyValueIterator<Bytes, byte[]>> range = store.query(
        RangeQuery.withRange(b("b"), b("c")), PositionBound.unbounded(), withInfo);
    assertEquals(List.of("b=2", "c=3"), drain(range.getResult()));
    QueryResult<KeyValueIterator<Bytes, byte[]>> down = store.query(
        RangeQuery.<Bytes, byte[]>withNoBounds().withDescendingKeys(), PositionBound.unbounded(),
        withInfo);
    assertEquals(List.of("c=3", "b=2", "a=1"), drain(down.getResult()));

    PositionBound reached = PositionBound.at(Position.emptyPosition().withComponent("input", 0, 42));
    assertTrue(store.query(KeyQuery.withKey(b("a")), reached, withInfo).isSuccess());
    PositionBound ahead = PositionBound.at(Position.emptyPosition().withComponent("input", 0, 43));
    QueryResult<byte[]> notYet = store.query(KeyQuery.withKey(b("a")), ahead, withInfo);
    assertTrue(notYet.isFailure());
    assertEquals(FailureReason.NOT_UP_TO_BOUND, notYet.getFailureReason());

    QueryResult<?> unknown = store.query(
        WindowKeyQuery.withKeyAndWindowStartRange(b("a"), java.time.Instant.EPOCH,
            java.time.Instant.EPOCH), PositionBound.unbounded(), withInfo);
    assertTrue(unknown.isFailure());
    assertEquals(FailureReason.UNKNOWN_QUERY_TYPE, unknown.getFailureReason());
  }

  private Map<String, Double> storeMetrics() {
    Map<String, Double> out = new TreeMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : processorContext.metrics().metrics().entrySet()) {
      MetricName n = e.getKey();
      if (n.group().equals("stream-state-metrics") && "kv".equals(n.tags().get("lsm-state-id"))) {
        assertEquals("0_3", n.tags().get("task-id"));
        assertTrue(n.tags().containsKey("thread-id"));
        out.put(n.name(), (Double) e.getValue().metricValue());
      }
    }
    return out;
  }

  @Test
  void reportsTheEngineFiguresAsKafkaReportsRocksDbs() {
    Map<String, Double> m = storeMetrics();
    assertEquals(LsmStoreMetrics.METRICS.keySet(), m.keySet());
    assertEquals(0.0, m.get("bytes-written-total"));
    assertTrue(Double.isNaN(m.get("block-cache-data-hit-ratio")), "no lookup yet");
    for (int i = 0; i < 1000; i++) {
      store.put(b(String.format("key%05d", i)), new byte[100]);
    }
    m = storeMetrics();
    assertTrue(m.get("bytes-written-total") >= 1000 * 108, m.toString());
    assertTrue(m.get("cur-size-active-mem-table") > 100_000, m.toString());
    assertEquals(m.get("cur-size-all-mem-tables"), m.get("size-all-mem-tables"));
    assertEquals(1000.0, m.get("estimate-num-keys"));
    store.engine().flush();
    for (int i = 0; i < 1000; i += 10) {
      store.get(b(String.format("key%05d", i)));
    }
    m = storeMetrics();
    assertTrue(m.get("memtable-bytes-flushed-total") > 0, m.toString());
    assertTrue(m.get("bytes-read-total") >= 100 * 100, m.toString());
    double hit = m.get("block-cache-data-hit-ratio");
    assertTrue(hit >= 0 && hit <= 1, m.toString());
    assertTrue(m.get("block-cache-capacity") > 0, m.toString());
    store.close();
    assertTrue(storeMetrics().isEmpty(), "closing removes the metrics");
  }
}
