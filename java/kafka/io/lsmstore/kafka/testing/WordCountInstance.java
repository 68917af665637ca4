package io.lsmstore.kafka.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One instance of {@link WordCount} in a process of its own, so a test can kill it abruptly
 * (SIGKILL: no close, no flush, no commit).
 *
 * <pre>
 * java -cp ... io.lsmstore.kafka.testing.WordCountInstance BOOTSTRAP APPLICATION_ID STATE_DIR \
 *     lsm|rocksdb INPUT_TOPIC OUTPUT_TOPIC
 * </pre>
 *
 * <p>It prints one line per event on stdout: {@code STATE <state>} at each state change, and
 * {@code RESTORED <topic> <partition> <records> <millis>} when a changelog partition is restored.
 * It closes cleanly when its standard input ends.
 */
public final class WordCountInstance {
  private WordCountInstance() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 6) {
      System.err.println("usage: WordCountInstance BOOTSTRAP APPLICATION_ID STATE_DIR lsm|rocksdb"
          + " INPUT_TOPIC OUTPUT_TOPIC");
      System.exit(2);
    }
    WordCount.Engine engine = WordCount.Engine.parse(args[3]);
    KafkaStreams streams =
        new KafkaStreams(
            WordCount.topology(engine, args[4], args[5]), WordCount.config(args[0], args[1], Path.of(args[2])));
    streams.setStateListener((now, before) -> say("STATE " + now));
    streams.setGlobalStateRestoreListener(
        new RestoreRecorder(
            r ->
                say(String.format("RESTORED %s %d %d %.1f", r.partition.topic(),
                    r.partition.partition(), r.records, r.millis()))));
    streams.start();
    InputStream in = System.in;
    while (in.read() >= 0) {
      // Runs until the parent closes our standard input (or kills us).
    }
    streams.close();
    say("CLOSED");
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
