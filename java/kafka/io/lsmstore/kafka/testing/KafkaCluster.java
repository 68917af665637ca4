package io.lsmstore.kafka.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real one-node KRaft Kafka cluster (one process that is both controller and broker) inside
 * this JVM, listening on loopback ports it picks itself, with its logs under a given directory
 * that {@link #close()} deletes. Kafka's own test kit ({@code KafkaClusterTestKit}) runs it.
 */
public final class KafkaCluster implements AutoCloseable {
  private final KafkaClusterTestKit kit;

  private KafkaCluster(KafkaClusterTestKit kit) {
    this.kit = kit;
  }

  /** Formats and starts the cluster under {@code baseDir}, and waits until it serves clients. */
  public static KafkaCluster start(Path baseDir) throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBaseDirectory(baseDir)
            .build();
    KafkaClusterTestKit kit =
        new KafkaClusterTestKit.Builder(nodes)
            .setDeleteOnClose(true)
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("transaction.state.log.num.partitions", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            // A killed instance's open transaction is aborted within about a second of its
            // timeout, so the partitions it wrote to become readable again quickly.
            .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
            .build();
    try {
      kit.format();
      kit.startup();
      kit.waitForReadyBrokers();
    } catch (Exception e) {
      kit.close();
      throw e;
    }
    return new KafkaCluster(kit);
  }

  /** host:port of the broker, for bootstrap.servers. */
  public String bootstrapServers() {
    return kit.bootstrapServers();
  }

  /** Creates {@code topic} with {@code partitions} partitions (replication 1) and waits. */
  public void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  /** Stops the broker and deletes its directories. */
  @Override
  public void close() {
    try {
      kit.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the cluster", e);
    } catch (Exception e) {
      throw new IllegalStateException("stopping the cluster failed", e);
    }
  }
}
