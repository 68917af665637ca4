package io.lsmstore.jmh;

import java.nio.file.Path;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One open store per trial (fork), filled with {@link #entries} keys by {@link Data#fill}.
 *
 * <p>Parameters: {@code engine} ("lsm" or "rocksdb"), {@code shape} ({@link Engine.Shape}),
 * {@code entries}.
 */
@State(Scope.Benchmark)
public class StoreState {
  @Param({"lsm", "rocksdb"})
  public String engine;

  @Param({"SHARED", "DEFAULTS"})
  public String shape;

  @Param({"100000"})
  public int entries;

  Engine store;
  private Path dir;

  @Setup(Level.Trial)
  public void open() {
    dir = Data.newDirectory(engine);
    store = Engine.open(engine, Engine.Shape.valueOf(shape), dir);
    Data.fill(store, entries, 42);
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    Data.deleteRecursively(dir);
  }
}
