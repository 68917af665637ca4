package io.lsmstore.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topologies run on TopologyTestDriver once with lsm stores and once with Kafka's own RocksDB
 * stores ({@code Stores.persistentKeyValueStore}); each must give the same output, and the
 * output each test expects.
 */
class TopologyTest {
  @TempDir Path stateDir;

  /** The two engines: each test runs its topology on both. */
  enum Engine {
    LSM(LsmStores::persistentKeyValueStore),
    ROCKSDB(Stores::persistentKeyValueStore);

    final Function<String, KeyValueBytesStoreSupplier> supplier;

    Engine(Function<String, KeyValueBytesStoreSupplier> supplier) {
      this.supplier = supplier;
    }
  }

  private Properties config(Engine engine, String app) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(engine.name()).toString());
    // No record cache: every update reaches the output topic, so outputs compare record by record.
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    // DEBUG: Kafka registers every RocksDB metric only at this level.
    p.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "DEBUG");
    return p;
  }

  // ------------------------------------------------------------------------------------------
  // Word count (DSL count())
  // ------------------------------------------------------------------------------------------

  static Topology wordCount(Engine engine) {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("lines", Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
        .filter((k, w) -> !w.isEmpty())
        .groupBy((k, w) -> w, Grouped.with(Serdes.String(), Serdes.String()))
        .count(Materialized.as(engine.supplier.apply("word-counts")))
        .toStream()
        .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
    return b.build();
  }

  /** The metrics both engines' stores report, by the names Kafka Streams gives RocksDB's. */
  static final List<String> SHARED_METRICS = List.of(
      "bytes-written-total", "bytes-read-total", "memtable-bytes-flushed-total",
      "write-stall-duration-total", "block-cache-data-hit-ratio", "cur-size-active-mem-table",
      "cur-size-all-mem-tables", "size-all-mem-tables", "block-cache-usage",
      "block-cache-capacity", "estimate-table-readers-mem", "estimate-num-keys");

  /** The values of the store's metrics named in SHARED_METRICS. */
  static Map<String, Object> storeMetrics(TopologyTestDriver driver, Engine engine, String store) {
    String tag = (engine == Engine.LSM ? "lsm" : "rocksdb") + "-state-id";
    Map<String, Object> out = new TreeMap<>();
    driver.metrics().forEach((name, metric) -> {
      if (name.group().equals("stream-state-metrics") && store.equals(name.tags().get(tag))
          && SHARED_METRICS.contains(name.name())) {
        out.put(name.name(), metric.metricValue());
      }
    });
    return out;
  }

  private List<KeyValue<String, Long>> runWordCount(Engine engine, List<String> lines,
      Map<String, Long> expected) {
    try (TopologyTestDriver driver = new TopologyTestDriver(wordCount(engine), config(engine, "wc"))) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("lines", new StringSerializer(), new StringSerializer());
      TestOutputTopic<String, Long> out =
          driver.createOutputTopic(
              "counts", Serdes.String().deserializer(), Serdes.Long().deserializer());
      lines.forEach(in::pipeInput);
      List<KeyValue<String, Long>> records = out.readKeyValuesToList();
      // Interactive query through the store Kafka Streams hands out (timestamped for the DSL).
      KeyValueStore<String, ValueAndTimestamp<Long>> store =
          driver.getTimestampedKeyValueStore("word-counts");
      Map<String, Long> fromStore = new TreeMap<>();
      try (KeyValueIterator<String, ValueAndTimestamp<Long>> it = store.all()) {
        it.forEachRemaining(kv -> fromStore.put(kv.key, kv.value.value()));
      }
      assertEquals(expected, fromStore, engine + ": the store's contents");
      Map<String, Object> metrics = storeMetrics(driver, engine, "word-counts");
      assertEquals(new java.util.TreeSet<>(SHARED_METRICS), metrics.keySet(), engine + ": " + metrics);
      if (engine == Engine.LSM) {
        assertTrue(((Number) metrics.get("estimate-num-keys")).doubleValue() >= expected.size(),
            metrics.toString());
        assertTrue(((Number) metrics.get("bytes-written-total")).doubleValue() > 0,
            metrics.toString());
        // The store's directory is under the task directory Kafka Streams gave it (the driver
        // deletes the state directory when it closes).
        Path app = stateDir.resolve(engine.name()).resolve("wc");
        try (Stream<Path> tasks = Files.list(app)) {
          assertTrue(
              tasks.anyMatch(t -> Files.isRegularFile(t.resolve("lsm/word-counts/CURRENT"))),
              "STATE_DIR/APP/TASK/lsm/word-counts holds an lsm store");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return records;
    }
  }

  @Test
  void wordCountGivesTheSameCountsOnLsmAndRocksDb() {
    long seed = System.nanoTime();
    System.out.println("TopologyTest.wordCount seed=" + seed);
    Random random = new Random(seed);
    String[] vocabulary = new String[300];
    for (int i = 0; i < vocabulary.length; i++) {
      vocabulary[i] = "w" + Integer.toString(i * 7919, 36);
    }
    List<String> lines = new ArrayList<>();
    Map<String, Long> expected = new TreeMap<>();
    for (int i = 0; i < 2000; i++) {
      StringBuilder line = new StringBuilder();
      int words = 1 + random.nextInt(12);
      for (int j = 0; j < words; j++) {
        String w = vocabulary[random.nextInt(vocabulary.length)];
        expected.merge(w, 1L, Long::sum);
        line.append(j == 0 ? "" : random.nextBoolean() ? " " : ", ").append(w.toUpperCase());
      }
      lines.add(line.toString());
    }
    long t0 = System.nanoTime();
    List<KeyValue<String, Long>> lsm = runWordCount(Engine.LSM, lines, expected);
    long t1 = System.nanoTime();
    List<KeyValue<String, Long>> rocks = runWordCount(Engine.ROCKSDB, lines, expected);
    long t2 = System.nanoTime();
    System.out.printf("word count on TopologyTestDriver: lsm %d ms, RocksDB %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
    assertEquals(expected.values().stream().mapToLong(Long::longValue).sum(), lsm.size(),
        "one output record per word occurrence (no cache)");
    assertEquals(rocks, lsm, "seed " + seed);
    Map<String, Long> last = new TreeMap<>();
    lsm.forEach(kv -> last.put(kv.key, kv.value));
    assertEquals(expected, last, "seed " + seed);
  }

  // ------------------------------------------------------------------------------------------
  // A windowless aggregate (DSL aggregate() and reduce())
  // ------------------------------------------------------------------------------------------

  static Topology aggregates(Engine engine) {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, Long> purchases =
        b.stream("purchases", Consumed.with(Serdes.String(), Serdes.Long()));
    // Per user: "count,sum,max" of the amounts.
    purchases
        .groupByKey()
        .aggregate(
            () -> "0,0,-1",
            (user, amount, agg) -> {
              String[] f = agg.split(",");
              return (Long.parseLong(f[0]) + 1) + "," + (Long.parseLong(f[1]) + amount) + ","
                  + Math.max(Long.parseLong(f[2]), amount);
            },
            Materialized.<String, String>as(engine.supplier.apply("user-totals"))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()))
        .toStream()
        .to("totals", Produced.with(Serdes.String(), Serdes.String()));
    purchases
        .groupByKey()
        .reduce(Math::min, Materialized.<String, Long>as(engine.supplier.apply("user-min"))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.Long()))
        .toStream()
        .mapValues(Object::toString)
        .to("minimums", Produced.with(Serdes.String(), Serdes.String()));
    return b.build();
  }

  private List<KeyValue<String, String>> runAggregates(Engine engine, List<KeyValue<String, Long>> input) {
    try (TopologyTestDriver driver = new TopologyTestDriver(aggregates(engine), config(engine, "agg"))) {
      TestInputTopic<String, Long> in =
          driver.createInputTopic("purchases", new StringSerializer(), Serdes.Long().serializer());
      in.pipeKeyValueList(input);
      List<KeyValue<String, String>> out = new ArrayList<>();
      driver.createOutputTopic("totals", Serdes.String().deserializer(), Serdes.String().deserializer())
          .readKeyValuesToList().forEach(kv -> out.add(KeyValue.pair("total:" + kv.key, kv.value)));
      driver.createOutputTopic("minimums", Serdes.String().deserializer(), Serdes.String().deserializer())
          .readKeyValuesToList().forEach(kv -> out.add(KeyValue.pair("min:" + kv.key, kv.value)));
      return out;
    }
  }

  @Test
  void aggregateAndReduceGiveTheSameResultsOnLsmAndRocksDb() {
    long seed = System.nanoTime();
    System.out.println("TopologyTest.aggregate seed=" + seed);
    Random random = new Random(seed);
    List<KeyValue<String, Long>> input = new ArrayList<>();
    Map<String, long[]> expected = new TreeMap<>(); // count, sum, max, min
    for (int i = 0; i < 3000; i++) {
      String user = "user-" + random.nextInt(50);
      long amount = random.nextInt(10_000);
      input.add(KeyValue.pair(user, amount));
      long[] e = expected.computeIfAbsent(user, u -> new long[] {0, 0, -1, Long.MAX_VALUE});
      e[0]++;
      e[1] += amount;
      e[2] = Math.max(e[2], amount);
      e[3] = Math.min(e[3], amount);
    }
    List<KeyValue<String, String>> lsm = runAggregates(Engine.LSM, input);
    List<KeyValue<String, String>> rocks = runAggregates(Engine.ROCKSDB, input);
    assertEquals(2 * input.size(), lsm.size());
    assertEquals(rocks, lsm, "seed " + seed);
    Map<String, String> last = new TreeMap<>();
    lsm.forEach(kv -> last.put(kv.key, kv.value));
    expected.forEach((user, e) -> {
      assertEquals(e[0] + "," + e[1] + "," + e[2], last.get("total:" + user), user);
      assertEquals(Long.toString(e[3]), last.get("min:" + user), user);
    });
  }

  // ------------------------------------------------------------------------------------------
  // The Processor API: a store with range and prefix queries
  // ------------------------------------------------------------------------------------------

  /**
   * Commands on key/value: "put" (value "put:V"), "delete", "putIfAbsent:V", and the queries
   * "range:FROM:TO", "rrange:FROM:TO" (a "-" bound is null), "prefix:P", "all", "rall", "get";
   * each emits one line describing its result.
   */
  static final class StoreCommands implements Processor<String, String, String, String> {
    private KeyValueStore<String, String> store;
    private ProcessorContext<String, String> context;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.store = context.getStateStore("kv");
    }

    private static String bound(String s) {
      return s.equals("-") ? null : s;
    }

    private static String drain(KeyValueIterator<String, String> it) {
      StringBuilder sb = new StringBuilder("[");
      try (it) {
        while (it.hasNext()) {
          String peeked = it.peekNextKey();
          KeyValue<String, String> kv = it.next();
          assertEquals(peeked, kv.key);
          sb.append(kv.key).append('=').append(kv.value).append(' ');
        }
      }
      return sb.append(']').toString();
    }

    @Override
    public void process(Record<String, String> r) {
      String[] c = r.value().split(":", -1);
      String result;
      switch (c[0]) {
        case "put":
          store.put(r.key(), c[1]);
          result = "ok";
          break;
        case "delete":
          result = "deleted " + store.delete(r.key());
          break;
        case "putIfAbsent":
          result = "was " + store.putIfAbsent(r.key(), c[1]);
          break;
        case "putAll":
          List<KeyValue<String, String>> entries = new ArrayList<>();
          for (int i = 1; i + 1 < c.length; i += 2) {
            entries.add(KeyValue.pair(c[i], c[i + 1].equals("-") ? null : c[i + 1]));
          }
          store.putAll(entries);
          result = "ok";
          break;
        case "get":
          result = String.valueOf(store.get(r.key()));
          break;
        case "range":
          result = drain(store.range(bound(c[1]), bound(c[2])));
          break;
        case "rrange":
          result = drain(store.reverseRange(bound(c[1]), bound(c[2])));
          break;
        case "prefix":
          result = drain(store.prefixScan(c[1], new StringSerializer()));
          break;
        case "all":
          result = drain(store.all());
          break;
        case "rall":
          result = drain(store.reverseAll());
          break;
        default:
          throw new IllegalArgumentException(r.value());
      }
      context.forward(r.withValue(r.value() + " -> " + result));
    }
  }

  static Topology processorApi(Engine engine) {
    Topology t = new Topology();
    t.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "commands");
    t.addProcessor("commands", StoreCommands::new, "in");
    t.addStateStore(
        Stores.keyValueStoreBuilder(engine.supplier.apply("kv"), Serdes.String(), Serdes.String()),
        "commands");
    t.addSink("out", "results", Serdes.String().serializer(), Serdes.String().serializer(), "commands");
    return t;
  }

  private List<String> runCommands(Engine engine, List<KeyValue<String, String>> commands) {
    try (TopologyTestDriver driver = new TopologyTestDriver(processorApi(engine), config(engine, "papi"))) {
      driver.createInputTopic("commands", new StringSerializer(), new StringSerializer())
          .pipeKeyValueList(commands);
      List<String> out = new ArrayList<>();
      driver.createOutputTopic("results", Serdes.String().deserializer(), Serdes.String().deserializer())
          .readKeyValuesToList().forEach(kv -> out.add(kv.key + " " + kv.value));
      return out;
    }
  }

  @Test
  void processorApiStoreAnswersRangeAndPrefixQueriesAsRocksDbDoes() {
    List<KeyValue<String, String>> commands = new ArrayList<>();
    for (String k : new String[] {"apple", "apricot", "banana", "blueberry", "cherry", "ap", "b"}) {
      commands.add(KeyValue.pair(k, "put:" + k.length()));
    }
    String[] queries = {
      "range:a:b", "range:ap:apricot", "range:-:b", "range:banana:-", "range:-:-", "range:c:a",
      "rrange:a:b", "rrange:-:blueberry", "rrange:b:-", "rrange:c:a", "prefix:ap", "prefix:b",
      "prefix:", "prefix:z", "all", "rall",
    };
    for (String q : queries) {
      commands.add(KeyValue.pair("q", q));
    }
    commands.add(KeyValue.pair("banana", "delete"));
    commands.add(KeyValue.pair("banana", "delete"));
    commands.add(KeyValue.pair("cherry", "putIfAbsent:9"));
    commands.add(KeyValue.pair("date", "putIfAbsent:4"));
    commands.add(KeyValue.pair("x", "putAll:fig:3:apple:-:grape:5"));
    commands.add(KeyValue.pair("apple", "get"));
    commands.add(KeyValue.pair("fig", "get"));
    for (String q : queries) {
      commands.add(KeyValue.pair("q", q));
    }
    List<String> lsm = runCommands(Engine.LSM, commands);
    List<String> rocks = runCommands(Engine.ROCKSDB, commands);
    assertEquals(commands.size(), lsm.size());
    assertEquals(rocks, lsm);
    // A few answers spelled out, so the comparison is not of two equally wrong outputs.
    assertTrue(lsm.contains("q range:a:b -> [ap=2 apple=5 apricot=7 b=1 ]"), lsm.toString());
    assertTrue(lsm.contains("q rrange:-:blueberry -> [blueberry=9 banana=6 b=1 apricot=7 apple=5 ap=2 ]"),
        lsm.toString());
    assertTrue(lsm.contains("q prefix:ap -> [ap=2 apple=5 apricot=7 ]"), lsm.toString());
    assertTrue(lsm.contains("q range:c:a -> []"), lsm.toString());
    assertTrue(lsm.contains("banana delete -> deleted 6"), lsm.toString());
    assertTrue(lsm.contains("banana delete -> deleted null"), lsm.toString());
    assertTrue(lsm.contains("cherry putIfAbsent:9 -> was 6"), lsm.toString());
    assertTrue(lsm.contains("apple get -> null"), lsm.toString());
    assertEquals("q all -> [ap=2 apricot=7 b=1 blueberry=9 cherry=6 date=4 fig=3 grape=5 ]",
        lsm.get(lsm.size() - 2));
  }

  // ------------------------------------------------------------------------------------------
  // Interactive queries (IQv2's KeyQuery and RangeQuery, through Kafka Streams' store layers)
  // ------------------------------------------------------------------------------------------

  private List<String> runQueries(Engine engine) {
    List<String> answers = new ArrayList<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(wordCount(engine), config(engine, "iq"))) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("lines", new StringSerializer(), new StringSerializer());
      in.pipeInput("the quick brown fox jumps over the lazy dog the end");
      in.pipeInput("a quick brown cat");
      StateStore store = driver.getAllStateStores().get("word-counts");
      QueryConfig config = new QueryConfig(true);
      for (String w : new String[] {"the", "quick", "cat", "zebra"}) {
        QueryResult<?> r = store.query(KeyQuery.withKey(w), PositionBound.unbounded(), config);
        assertTrue(r.isSuccess(), r.toString());
        Object v = r.getResult();
        answers.add(w + "=" + unwrap(v));
        assertFalse(r.getExecutionInfo().isEmpty(), "execution info was asked for");
      }
      for (RangeQuery<String, Object> q : List.of(
          RangeQuery.<String, Object>withRange("b", "l"),
          RangeQuery.<String, Object>withRange("b", "l").withDescendingKeys(),
          RangeQuery.<String, Object>withLowerBound("q"),
          RangeQuery.<String, Object>withUpperBound("c"),
          RangeQuery.<String, Object>withNoBounds())) {
        QueryResult<KeyValueIterator<String, Object>> r =
            store.query(q, PositionBound.unbounded(), config);
        assertTrue(r.isSuccess(), r.toString());
        StringBuilder sb = new StringBuilder();
        try (KeyValueIterator<String, Object> it = r.getResult()) {
          it.forEachRemaining(kv -> sb.append(kv.key).append('=').append(unwrap(kv.value)).append(' '));
        }
        answers.add(sb.toString());
      }
    }
    return answers;
  }

  @Test
  void interactiveQueriesAnswerAsOnRocksDb() {
    List<String> lsm = runQueries(Engine.LSM);
    List<String> rocks = runQueries(Engine.ROCKSDB);
    assertEquals(rocks, lsm);
    assertEquals(List.of("the=3", "quick=2", "cat=1", "zebra=null",
        "brown=2 cat=1 dog=1 end=1 fox=1 jumps=1 ",
        "jumps=1 fox=1 end=1 dog=1 cat=1 brown=2 ",
        "quick=2 the=3 ",
        "a=1 brown=2 ",
        "a=1 brown=2 cat=1 dog=1 end=1 fox=1 jumps=1 lazy=1 over=1 quick=2 the=3 "),
        lsm);
  }

  /** The value of a DSL store's answer (a ValueAndTimestamp), or null. */
  private static Object unwrap(Object v) {
    return v instanceof ValueAndTimestamp ? ((ValueAndTimestamp<?>) v).value() : v;
  }
}
