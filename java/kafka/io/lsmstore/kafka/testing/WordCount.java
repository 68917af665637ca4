package io.lsmstore.kafka.testing;

import io.lsmstore.kafka.LsmStores;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The word-count application of the failover test and the benchmark: lines from an input topic
 * are split into words, repartitioned by word, and counted in the store {@link #STORE}; every
 * new count goes to an output topic. Its store is lsm's or Kafka's own RocksDB store.
 */
public final class WordCount {
  public static final String STORE = "counts";

  /** Which store the count keeps its state in. */
  public enum Engine {
    LSM,
    ROCKSDB;

    public KeyValueBytesStoreSupplier supplier(String name) {
      return this == LSM
          ? LsmStores.persistentKeyValueStore(name)
          : Stores.persistentKeyValueStore(name);
    }

    public static Engine parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  private WordCount() {}

  /** The words of a line, as the topology splits them. */
  public static String[] words(String line) {
    return Arrays.stream(line.toLowerCase(Locale.ROOT).split("\\W+"))
        .filter(w -> !w.isEmpty())
        .toArray(String[]::new);
  }

  public static Topology topology(Engine engine, String input, String output) {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(words(line)))
        .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count(Materialized.as(engine.supplier(STORE)))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    return b.build();
  }

  /**
   * The configuration of one instance: exactly-once v2, one stream thread, no standby replicas,
   * and timeouts short enough that a killed instance's partitions move within seconds (session
   * 6 s, the broker's minimum; transactions 5 s). Every instance counts as caught up on every
   * task (acceptable.recovery.lag), so a task moves to an instance with no state at once and is
   * restored there, rather than warmed up first in the background.
   */
  public static Properties config(String bootstrap, String applicationId, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 0);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, Long.MAX_VALUE);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 500);
    p.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), 5000);
    return p;
  }
}
