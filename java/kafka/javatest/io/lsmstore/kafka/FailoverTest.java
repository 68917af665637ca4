package io.lsmstore.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lsmstore.kafka.testing.KafkaCluster;
import io.lsmstore.kafka.testing.RestoreRecorder;
import io.lsmstore.kafka.testing.WordCount;
import io.lsmstore.kafka.testing.WordCountInstance;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover on a real broker: a KRaft cluster in this JVM, and two Kafka Streams instances of one
 * word-count application (exactly-once v2, lsm stores): the survivor in this JVM, the victim in a
 * child JVM that the test kills with SIGKILL mid-stream. The survivor must take over the
 * victim's partitions, restore their counts from the changelog into its lsm stores, and end
 * with exact counts, in the output topic and in its stores.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FailoverTest {
  static final int PARTITIONS = 4;
  static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path tmp;
  static KafkaCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = KafkaCluster.start(tmp.resolve("kafka"));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The victim: a WordCountInstance in a child JVM whose stdout lines are kept. */
  static final class ChildInstance implements AutoCloseable {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();

    ChildInstance(String app, Path stateDir, String input, String output) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx512m");
      command.add("-cp");
      command.add(classPath());
      command.add(WordCountInstance.class.getName());
      command.addAll(
          List.of(cluster.bootstrapServers(), app, stateDir.toString(), "lsm", input, output));
      process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    System.out.println("[victim] " + line);
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // The process died: its output ends here.
                }
              },
              "victim-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    boolean said(String line) {
      return lines.contains(line);
    }

    /** SIGKILL: the instance gets no chance to commit, flush or close anything. */
    void kill() {
      process.destroyForcibly();
      try {
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the victim died");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the victim to die", e);
      }
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        kill();
      }
    }
  }

  /** The class path this test runs with (the JUnit launcher's class loader's jars). */
  static String classPath() {
    ClassLoader loader = FailoverTest.class.getClassLoader();
    if (!(loader instanceof URLClassLoader)) {
      throw new IllegalStateException("not loaded by a URLClassLoader: " + loader);
    }
    List<String> paths = new ArrayList<>();
    for (URL url : ((URLClassLoader) loader).getURLs()) {
      try {
        paths.add(Path.of(url.toURI()).toAbsolutePath().toString());
      } catch (URISyntaxException e) {
        throw new IllegalStateException(url.toString(), e);
      }
    }
    return String.join(File.pathSeparator, paths);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("gave up after " + WAIT.toSeconds() + " s waiting until " + what);
      }
      Thread.sleep(50); // polling an outside condition: there is nothing to wait on
    }
  }

  /** The partitions of the counting sub-topology (1) this instance owns as active tasks. */
  static Set<Integer> countingPartitions(KafkaStreams streams) {
    Set<Integer> out = new TreeSet<>();
    for (ThreadMetadata t : streams.metadataForLocalThreads()) {
      for (TaskMetadata task : t.activeTasks()) {
        if (task.taskId().subtopology() == 1) {
          out.add(task.taskId().partition());
        }
      }
    }
    return out;
  }

  /** The partition of the repartition topic (and of the counting task) that counts {@code word}. */
  static int partitionOf(String word) {
    return Utils.toPositive(Utils.murmur2(word.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  /** The words counted so far on {@code partitions}, as the output says. */
  static long committedWords(Map<String, Long> latest, Set<Integer> partitions) {
    return latest.entrySet().stream()
        .filter(e -> partitions.contains(partitionOf(e.getKey())))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Lines of random words, and the count of each word over them. */
  static final class Input {
    final List<String> lines = new ArrayList<>();
    final Map<String, Long> counts = new TreeMap<>();
    long words;

    Input(Random random, int lines, String[] vocabulary) {
      for (int i = 0; i < lines; i++) {
        StringBuilder line = new StringBuilder();
        int n = 1 + random.nextInt(8);
        for (int j = 0; j < n; j++) {
          String w = vocabulary[random.nextInt(vocabulary.length)];
          line.append(j == 0 ? "" : " ").append(w);
          counts.merge(w, 1L, Long::sum);
          words++;
        }
        this.lines.add(line.toString());
      }
    }
  }

  static void produce(String topic, List<String> lines) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      int i = 0;
      for (String line : lines) {
        producer.send(new ProducerRecord<>(topic, "line-" + i++, line));
      }
      producer.flush();
    }
  }

  /** Reads the output topic (read_committed) from its start; the latest count of each word. */
  static final class OutputReader implements AutoCloseable {
    final KafkaConsumer<String, Long> consumer;
    final Map<String, Long> latest = new HashMap<>();

    OutputReader(String topic) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer());
      List<TopicPartition> parts = new ArrayList<>();
      for (int i = 0; i < PARTITIONS; i++) {
        parts.add(new TopicPartition(topic, i));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    Map<String, Long> poll() {
      for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(100))) {
        latest.put(r.key(), r.value());
      }
      return latest;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  /** Runs the scenario; returns the figures it printed. */
  private void failover(String name, boolean deleteVictimState) throws Exception {
    long seed = System.nanoTime();
    System.out.println(name + ": seed=" + seed);
    Random random = new Random(seed);
    String[] vocabulary = new String[400];
    for (int i = 0; i < vocabulary.length; i++) {
      vocabulary[i] = "w" + Integer.toString(random.nextInt(1 << 30), 36);
    }
    Input first = new Input(random, 6000, vocabulary);
    Input second = new Input(random, 6000, vocabulary);
    Map<String, Long> expected = new TreeMap<>(first.counts);
    second.counts.forEach((w, c) -> expected.merge(w, c, Long::sum));

    String input = name + "-lines";
    String output = name + "-counts";
    cluster.createTopic(input, PARTITIONS);
    cluster.createTopic(output, PARTITIONS);
    String app = name + "-app";
    Path survivorDir = tmp.resolve(name + "-survivor");
    Path victimDir = tmp.resolve(name + "-victim");

    RestoreRecorder restores = new RestoreRecorder();
    try (ChildInstance victim = new ChildInstance(app, victimDir, input, output);
        KafkaStreams survivor =
            new KafkaStreams(
                WordCount.topology(WordCount.Engine.LSM, input, output),
                WordCount.config(cluster.bootstrapServers(), app, survivorDir));
        OutputReader out = new OutputReader(output)) {
      survivor.setGlobalStateRestoreListener(restores);
      survivor.start();
      await("both instances run and share the partitions",
          () -> survivor.state() == KafkaStreams.State.RUNNING
              && victim.said("STATE RUNNING")
              && !countingPartitions(survivor).isEmpty()
              && countingPartitions(survivor).size() < PARTITIONS
              && victim.lines.get(victim.lines.size() - 1).equals("STATE RUNNING"));
      Set<Integer> survivorBefore = countingPartitions(survivor);
      Set<Integer> victimPartitions = new TreeSet<>();
      for (int p = 0; p < PARTITIONS; p++) {
        if (!survivorBefore.contains(p)) {
          victimPartitions.add(p);
        }
      }
      System.out.printf("%s: survivor counts partitions %s, victim %s%n", name, survivorBefore,
          victimPartitions);

      // Mid-stream: kill the victim once it has committed a quarter of the words of its own
      // partitions in the first half of the input, while it works through the rest.
      produce(input, first.lines);
      long firstHalfVictimWords = first.counts.entrySet().stream()
          .filter(e -> victimPartitions.contains(partitionOf(e.getKey())))
          .mapToLong(Map.Entry::getValue).sum();
      await("the victim committed a quarter of its words",
          () -> committedWords(out.poll(), victimPartitions) >= firstHalfVictimWords / 4);
      long victimWordsCommitted = committedWords(out.poll(), victimPartitions);
      restores.clear();
      long killedAt = System.nanoTime();
      victim.kill();
      System.out.printf("%s: killed the victim (SIGKILL) with %d of the %d words of its partitions"
          + " in the first half committed%n", name, victimWordsCommitted, firstHalfVictimWords);
      if (deleteVictimState) {
        deleteTree(victimDir);
      }
      produce(input, second.lines);

      await("the survivor owns every partition",
          () -> countingPartitions(survivor).size() == PARTITIONS);
      long tookOverMs = (System.nanoTime() - killedAt) / 1_000_000;
      await("the output holds the exact counts", () -> out.poll().equals(expected));

      // The moved partitions' state was restored from the changelog into the survivor's lsm.
      Map<TopicPartition, RestoreRecorder.Restore> restored = restores.finished();
      Set<Integer> restoredPartitions =
          restored.keySet().stream().map(TopicPartition::partition).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(victimPartitions, restoredPartitions, "restored exactly the moved partitions");
      long restoredRecords = restored.values().stream().mapToLong(r -> r.records).sum();
      assertTrue(restoredRecords > 0, "the changelog held the victim's committed counts");
      long restoreStart = restored.values().stream().mapToLong(r -> r.startNanos).min().getAsLong();
      long restoreEnd = restored.values().stream().mapToLong(r -> r.endNanos).max().getAsLong();
      for (TopicPartition tp : restored.keySet()) {
        assertTrue(tp.topic().endsWith("-" + WordCount.STORE + "-changelog"), tp.toString());
      }

      // Interactive queries on the survivor's lsm stores: every count, exact.
      ReadOnlyKeyValueStore<String, Long> store =
          survivor.store(StoreQueryParameters.fromNameAndType(
              WordCount.STORE, QueryableStoreTypes.<String, Long>keyValueStore()));
      for (Map.Entry<String, Long> e : expected.entrySet()) {
        assertEquals(e.getValue(), store.get(e.getKey()), e.getKey());
      }
      assertTrue(Files.isDirectory(survivorDir.resolve(app)), "survivor's state directory");
      try (Stream<Path> tasks = Files.list(survivorDir.resolve(app))) {
        assertEquals(PARTITIONS,
            tasks.filter(t -> Files.isDirectory(t.resolve("lsm").resolve(WordCount.STORE))).count(),
            "one lsm store per counting task under the survivor's state directory");
      }
      System.out.printf("%s: FIGURES records=%d lines (%d words, %d distinct), partitions moved=%d"
              + " (%s), took over %d ms after the kill, restored %d changelog records in %.1f ms%n",
          name, first.lines.size() + second.lines.size(), first.words + second.words,
          expected.size(), victimPartitions.size(), victimPartitions, tookOverMs, restoredRecords,
          (restoreEnd - restoreStart) / 1e6);
      if (deleteVictimState) {
        assertFalse(Files.exists(victimDir), "the victim's state directory is gone");
        // The victim comes back on an empty state directory: it gets partitions back and
        // rebuilds them from the changelog, and the counts stay exact.
        try (ChildInstance back = new ChildInstance(app, victimDir, input, output)) {
          await("the restarted victim took partitions back and restored them",
              () -> countingPartitions(survivor).size() < PARTITIONS
                  && back.lines.stream().anyMatch(l -> l.startsWith("RESTORED "))
                  && back.lines.get(back.lines.size() - 1).equals("STATE RUNNING"));
          List<String> backRestores = back.lines.stream().filter(l -> l.startsWith("RESTORED "))
              .collect(Collectors.toList());
          long backRecords = backRestores.stream().mapToLong(l -> Long.parseLong(l.split(" ")[3])).sum();
          assertTrue(backRecords > 0, backRestores.toString());
          Input third = new Input(random, 2000, vocabulary);
          third.counts.forEach((w, c) -> expected.merge(w, c, Long::sum));
          produce(input, third.lines);
          await("the output holds the exact counts after the restart", () -> out.poll().equals(expected));
          System.out.printf("%s: FIGURES the restarted victim rebuilt partitions %s from the"
                  + " changelog: %d records (%s)%n", name,
              backRestores.stream().map(l -> l.split(" ")[2]).collect(Collectors.toList()),
              backRecords, backRestores);
        }
      }
      survivor.close(Duration.ofSeconds(30));
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Test
  void survivorTakesOverAKilledInstanceAndRestoresItsCountsIntoLsm() throws Exception {
    failover("killed", false);
  }

  @Test
  void victimRestartedWithoutItsStateDirectoryRebuildsFromTheChangelog() throws Exception {
    failover("wiped", true);
  }
}
