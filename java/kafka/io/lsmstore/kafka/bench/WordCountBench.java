package io.lsmstore.kafka.bench;

import io.lsmstore.kafka.testing.KafkaCluster;
import io.lsmstore.kafka.testing.RestoreRecorder;
import io.lsmstore.kafka.testing.WordCount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The word-count topology ({@link WordCount}: exactly-once v2, one stream thread) on a real KRaft
 * broker in this JVM, for each record-cache size (default: Kafka Streams' 10 MiB, and none):
 * per round once with lsm stores and once with Kafka Streams' RocksDB stores, alternating which
 * goes first, after warm-up rounds that are shown but not counted. Each run counts the same
 * input from the start and reports the input lines and words per second; then a new instance of
 * the same application on an empty state directory restores the counts from the changelog, and
 * the run reports how long that took.
 *
 * <pre>
 * bazel run //java/kafka:wordcount_bench -- [--lines=N] [--rounds=R] [--warmup=W]
 *     [--cache-bytes=B[,B...]] [--out=FILE.md]
 * </pre>
 */
public final class WordCountBench {
  static final int PARTITIONS = 4;
  static final String INPUT = "bench-lines";
  /** Kafka Streams' default statestore.cache.max.bytes. */
  static final long DEFAULT_CACHE_BYTES = 10L << 20;

  /** One engine's run: processing, then restoration. */
  static final class Run {
    final WordCount.Engine engine;
    final int round;
    final long cacheBytes;
    double processSeconds;
    long restoredRecords;
    double restoreMillis;

    Run(WordCount.Engine engine, int round, long cacheBytes) {
      this.engine = engine;
      this.round = round;
      this.cacheBytes = cacheBytes;
    }
  }

  private WordCountBench() {}

  public static void main(String[] args) throws Exception {
    int lines = 100_000;
    int rounds = 3;
    int warmup = 1;
    List<Long> caches = List.of(DEFAULT_CACHE_BYTES, 0L);
    int vocabularySize = 20_000;
    Path out = null;
    for (String a : args) {
      if (a.startsWith("--lines=")) {
        lines = Integer.parseInt(a.substring(8));
      } else if (a.startsWith("--rounds=")) {
        rounds = Integer.parseInt(a.substring(9));
      } else if (a.startsWith("--cache-bytes=")) {
        caches = Arrays.stream(a.substring(14).split(",")).map(Long::parseLong)
            .collect(Collectors.toList());
      } else if (a.startsWith("--warmup=")) {
        warmup = Integer.parseInt(a.substring(9));
      } else if (a.startsWith("--out=")) {
        out = Path.of(a.substring(6));
        String workspace = System.getenv("BUILD_WORKSPACE_DIRECTORY");
        if (!out.isAbsolute() && workspace != null) {
          out = Path.of(workspace).resolve(out);
        }
      } else {
        System.err.println(
            "usage: wordcount_bench [--lines=N] [--rounds=R] [--warmup=W]"
                + " [--cache-bytes=B[,B...]] [--out=FILE.md]");
        System.exit(2);
      }
    }
    Path tmp = Files.createTempDirectory("wordcount-bench");
    List<Run> runs = new ArrayList<>();
    long words;
    try (KafkaCluster cluster = KafkaCluster.start(tmp.resolve("kafka"))) {
      cluster.createTopic(INPUT, PARTITIONS);
      words = produce(cluster.bootstrapServers(), lines, vocabularySize, new Random(42));
      System.out.printf("%d lines, %d words (vocabulary %d) in %s, %d partitions%n", lines, words,
          vocabularySize, INPUT, PARTITIONS);
      for (long cache : caches) {
        // Rounds 1 - warmup .. 0 warm the JVM (and the broker) up; they are shown, not counted.
        for (int round = 1 - warmup; round <= rounds; round++) {
          List<WordCount.Engine> order = Math.floorMod(round, 2) == 1
              ? List.of(WordCount.Engine.LSM, WordCount.Engine.ROCKSDB)
              : List.of(WordCount.Engine.ROCKSDB, WordCount.Engine.LSM);
          for (WordCount.Engine engine : order) {
            Run run = new Run(engine, round, cache);
            runOnce(cluster, run, words, tmp);
            runs.add(run);
            System.out.printf(Locale.ROOT,
                "cache %d round %d %-7s %8.0f lines/s %9.0f words/s   restore: %7d records in"
                    + " %7.1f ms%n",
                cache, round, engine, lines / run.processSeconds, words / run.processSeconds,
                run.restoredRecords, run.restoreMillis);
          }
        }
      }
    } finally {
      deleteTree(tmp);
    }
    String report = report(runs, caches, lines, words, vocabularySize, rounds, warmup, args);
    System.out.println();
    System.out.println(report);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, report);
      System.out.println("wrote " + out);
    }
  }

  static long produce(String bootstrap, int lines, int vocabularySize, Random random) {
    String[] vocabulary = new String[vocabularySize];
    for (int i = 0; i < vocabularySize; i++) {
      vocabulary[i] = "w" + Integer.toString(i * 7919 + 13, 36);
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    long words = 0;
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < lines; i++) {
        int n = 1 + random.nextInt(8);
        StringBuilder line = new StringBuilder();
        for (int j = 0; j < n; j++) {
          line.append(j == 0 ? "" : " ").append(vocabulary[random.nextInt(vocabularySize)]);
        }
        words += n;
        producer.send(new ProducerRecord<>(INPUT, "line-" + i, line.toString()));
      }
      producer.flush();
    }
    return words;
  }

  static void runOnce(KafkaCluster cluster, Run run, long words, Path tmp) throws Exception {
    String app = "bench-" + run.engine.name().toLowerCase(Locale.ROOT) + "-cache" + run.cacheBytes
        + "-round" + (run.round + 1000);
    String output = app + "-counts";
    cluster.createTopic(output, PARTITIONS);
    Path stateDir = tmp.resolve(app);
    // 1. Count the whole input, from the moment the instance runs until every word is counted.
    try (KafkaStreams streams = new KafkaStreams(
        WordCount.topology(run.engine, INPUT, output),
        config(cluster, run, app, stateDir))) {
      CountDownLatch running = new CountDownLatch(1);
      streams.setStateListener((now, before) -> {
        if (now == KafkaStreams.State.RUNNING) {
          running.countDown();
        }
      });
      streams.start();
      if (!running.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(app + " did not reach RUNNING");
      }
      long start = System.nanoTime();
      ReadOnlyKeyValueStore<String, Long> store = streams.store(
          StoreQueryParameters.fromNameAndType(WordCount.STORE, QueryableStoreTypes.keyValueStore()));
      long deadline = start + TimeUnit.SECONDS.toNanos(600);
      while (countedWordsWhenQueryable(store) < words) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(app + " did not count every word in 600 s");
        }
        Thread.sleep(20); // polling the store: Kafka Streams has no "caught up" event
      }
      run.processSeconds = (System.nanoTime() - start) / 1e9;
      streams.close(Duration.ofSeconds(60));
    }
    deleteTree(stateDir);
    // 2. A new instance of the application on an empty state directory restores the counts.
    RestoreRecorder restores = new RestoreRecorder();
    try (KafkaStreams streams = new KafkaStreams(
        WordCount.topology(run.engine, INPUT, output),
        config(cluster, run, app, stateDir))) {
      streams.setGlobalStateRestoreListener(restores);
      streams.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (restores.finished().size() < PARTITIONS) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(app + " did not restore in 300 s");
        }
        Thread.sleep(20); // polling the listener's record of finished restorations
      }
      List<RestoreRecorder.Restore> done = new ArrayList<>(restores.finished().values());
      run.restoredRecords = done.stream().mapToLong(r -> r.records).sum();
      long first = done.stream().mapToLong(r -> r.startNanos).min().getAsLong();
      long last = done.stream().mapToLong(r -> r.endNanos).max().getAsLong();
      run.restoreMillis = (last - first) / 1e6;
      ReadOnlyKeyValueStore<String, Long> store = streams.store(
          StoreQueryParameters.fromNameAndType(WordCount.STORE, QueryableStoreTypes.keyValueStore()));
      long counted = -1;
      while ((counted = countedWordsWhenQueryable(store)) < 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(app + " did not become queryable in 300 s");
        }
        Thread.sleep(20); // the stream thread finishes its rebalance
      }
      if (counted != words) {
        throw new IllegalStateException(app + " restored " + counted + " words, not " + words);
      }
      streams.close(Duration.ofSeconds(60));
    }
    deleteTree(stateDir);
  }

  static Properties config(KafkaCluster cluster, Run run, String app, Path stateDir) {
    Properties p = WordCount.config(cluster.bootstrapServers(), app, stateDir);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, run.cacheBytes);
    return p;
  }

  /** The sum of every count in the store, or -1 while a rebalance keeps it from being queried. */
  static long countedWordsWhenQueryable(ReadOnlyKeyValueStore<String, Long> store) {
    try {
      return countedWords(store);
    } catch (InvalidStateStoreException e) {
      return -1;
    }
  }

  /** The sum of every count in the store. */
  static long countedWords(ReadOnlyKeyValueStore<String, Long> store) {
    long sum = 0;
    try (KeyValueIterator<String, Long> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> kv = it.next();
        sum += kv.value;
      }
    }
    return sum;
  }

  static double median(List<Double> xs) {
    List<Double> s = xs.stream().sorted().collect(Collectors.toList());
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  static String report(List<Run> all, List<Long> caches, int lines, long words, int vocabulary,
      int rounds, int warmup, String[] args) {
    StringBuilder md = new StringBuilder();
    md.append("# Kafka Streams word count: lsm beside RocksDB\n\n");
    md.append(String.format(Locale.ROOT,
        "Produced by `./bazelw run //java/kafka:wordcount_bench -- %s` on %s (%d cores, JDK %s).%n%n",
        String.join(" ", args), Instant.now().toString().substring(0, 10),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
    md.append(String.format(Locale.ROOT,
        "The word-count topology of `java/kafka` (lines split into words, repartitioned by word,"
            + " `count()` into the store `%s`; exactly-once v2, so a commit every 100 ms; one"
            + " stream thread) on a one-node KRaft broker in the same JVM, %d input partitions."
            + " Input: %d lines, %d words from a vocabulary of %d. Each round runs both engines,"
            + " alternating which goes first, after %d warm-up round(s) (shown as round 0 and"
            + " below, not counted in the medians): lsm through"
            + " `LsmStores.persistentKeyValueStore`, RocksDB through"
            + " `Stores.persistentKeyValueStore` (RocksJava 10.1.3, Kafka Streams' default RocksDB"
            + " configuration). Two record-cache sizes: Kafka Streams' default (10 MiB), where the"
            + " cache absorbs repeated updates of a word between commits and the store sees one"
            + " write per word per commit, and none, where every update reaches the store.%n%n",
        WordCount.STORE, PARTITIONS, lines, words, vocabulary, warmup));
    md.append("- **throughput**: input lines (and words) per second, from the moment the instance"
        + " is RUNNING until every word's count can be read from it (through the record cache,"
        + " when there is one);\n");
    md.append("- **restore**: a new instance of the same application on an empty state directory"
        + " rebuilds the store from the changelog topic; time from the first partition's"
        + " restoration start to the last one's end (Kafka Streams' restore listener). The"
        + " changelog holds one record per store write, so its length differs a little from run"
        + " to run with the commit timing.\n");
    for (long cache : caches) {
      List<Run> runs = all.stream().filter(r -> r.cacheBytes == cache).collect(Collectors.toList());
      md.append(String.format(Locale.ROOT, "%n## Record cache %s%n%n",
          cache == 0 ? "off (every update reaches the store)"
              : cache == DEFAULT_CACHE_BYTES ? "10 MiB (Kafka Streams' default)"
              : cache + " bytes"));
      md.append("| round | engine | lines/s | words/s | restored records | restore ms | restored records/s |\n");
      md.append("|---:|---|---:|---:|---:|---:|---:|\n");
      for (Run r : runs) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %d | %.1f | %.0f |%n",
            r.round >= 1 ? Integer.toString(r.round) : r.round + " (warm-up)",
            r.engine.name().toLowerCase(Locale.ROOT), lines / r.processSeconds,
            words / r.processSeconds, r.restoredRecords, r.restoreMillis,
            r.restoredRecords / (r.restoreMillis / 1000)));
      }
      double lsmRate = median(runs, WordCount.Engine.LSM, r -> lines / r.processSeconds);
      double rocksRate = median(runs, WordCount.Engine.ROCKSDB, r -> lines / r.processSeconds);
      double lsmRestore = median(runs, WordCount.Engine.LSM, r -> r.restoreMillis);
      double rocksRestore = median(runs, WordCount.Engine.ROCKSDB, r -> r.restoreMillis);
      double lsmRestoreRate =
          median(runs, WordCount.Engine.LSM, r -> r.restoredRecords / (r.restoreMillis / 1000));
      double rocksRestoreRate =
          median(runs, WordCount.Engine.ROCKSDB, r -> r.restoredRecords / (r.restoreMillis / 1000));
      md.append(String.format(Locale.ROOT, "%nMedians over %d rounds:%n%n", rounds));
      md.append("| | lsm | RocksDB | lsm / RocksDB |\n|---|---:|---:|---:|\n");
      md.append(String.format(Locale.ROOT, "| throughput (lines/s) | %.0f | %.0f | %.2f |%n",
          lsmRate, rocksRate, lsmRate / rocksRate));
      md.append(String.format(Locale.ROOT, "| restore time (ms) | %.1f | %.1f | %.2f |%n",
          lsmRestore, rocksRestore, lsmRestore / rocksRestore));
      md.append(String.format(Locale.ROOT, "| restore rate (records/s) | %.0f | %.0f | %.2f |%n",
          lsmRestoreRate, rocksRestoreRate, lsmRestoreRate / rocksRestoreRate));
    }
    return md.toString();
  }

  /** The median of {@code f} over the counted (not warm-up) runs of {@code engine}. */
  static double median(List<Run> runs, WordCount.Engine engine, ToDoubleFunction<Run> f) {
    return median(runs.stream().filter(r -> r.round >= 1 && r.engine == engine)
        .map(f::applyAsDouble).collect(Collectors.toList()));
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
