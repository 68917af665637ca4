package io.lsmstore.kafka;

import io.lsmstore.Options;
import java.util.Objects;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;

/**
 * Factories of Kafka Streams state stores backed by lsm: the counterpart of {@code
 * org.apache.kafka.streams.state.Stores#persistentKeyValueStore(String)}, usable wherever that
 * one is: {@code Materialized.as(supplier)} in the DSL ({@code count()}, {@code aggregate()},
 * {@code reduce()}), {@code Stores.keyValueStoreBuilder(supplier, ...)} in the Processor API.
 *
 * <pre>{@code
 * KTable<String, Long> counts = words.groupByKey()
 *     .count(Materialized.as(LsmStores.persistentKeyValueStore("counts")));
 * }</pre>
 *
 * <p>Each store lives in {@code STATE_DIR/APPLICATION_ID/TASK_ID/lsm/NAME}, the task directory
 * Kafka Streams hands it; its changelog topic and restoration are Kafka Streams' own.
 */
public final class LsmStores {
  private LsmStores() {}

  /**
   * A supplier of lsm key-value stores with lsm's default {@link Options}.
   *
   * @param name the store's name (also the name of its changelog topic's suffix)
   * @return the supplier
   */
  public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name) {
    return persistentKeyValueStore(name, Options.defaults());
  }

  /**
   * A supplier of lsm key-value stores opened with {@code options}.
   *
   * @param name the store's name (also the name of its changelog topic's suffix)
   * @param options how each store is opened and tuned
   * @return the supplier
   */
  public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name, Options options) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    return new LsmKeyValueBytesStoreSupplier(name, options);
  }
}
