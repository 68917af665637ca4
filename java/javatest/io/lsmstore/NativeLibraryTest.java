package io.lsmstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the jar finds its native library; each case runs in a fresh JVM. */
class NativeLibraryTest {
  @TempDir Path tmp;

  /** The program the child JVMs run: a store round trip, then "OK". */
  public static final class Child {
    public static void main(String[] args) {
      try (LsmStore store = LsmStore.open(Path.of(args[0]))) {
        store.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
        String v = new String(store.get("k".getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8);
        System.out.println("v".equals(v) ? "OK" : "WRONG " + v);
      }
    }
  }

  private static final class Result {
    final int exitCode;
    final String stdout;
    final String stderr;

    Result(int exitCode, String stdout, String stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  private static String location(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  private Result runChild(String... jvmFlags) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmFlags));
    command.add("-cp");
    command.add(location(LsmStore.class) + File.pathSeparator + location(Child.class));
    command.add(Child.class.getName());
    command.add(tmp.resolve("db").toString());
    Path out = tmp.resolve("child.out");
    Path err = tmp.resolve("child.err");
    Process p = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  private static byte[] libraryInJar() throws IOException {
    try (InputStream in = NativeLibrary.class.getResourceAsStream(NativeLibrary.RESOURCE)) {
      assertNotNull(in, "the jar carries " + NativeLibrary.RESOURCE);
      return in.readAllBytes();
    }
  }

  private static long entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void theLoadedLibraryHasThisJarsAbiVersion() {
    assertEquals(NativeMethods.ABI_VERSION, NativeMethods.abiVersion());
  }

  @Test
  void theLibraryBindsByRegisterNativesNotBySymbolNames() throws Exception {
    String text = new String(libraryInJar(), StandardCharsets.ISO_8859_1);
    assertTrue(text.contains("JNI_OnLoad"));
    // No Java_<package>_<class>_<method> symbol: a relocated package still links.
    assertFalse(text.contains("Java_io_lsmstore"), "exports a JNI symbol name");
  }

  @Test
  void loadsFromTheJarAndLeavesNoFileBehind() throws Exception {
    Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
    Result r = runChild("-Djava.io.tmpdir=" + javaTmp);
    assertEquals(0, r.exitCode, r::toString);
    assertEquals("OK", r.stdout.trim(), r::toString);
    assertEquals(0, entries(javaTmp), "the extracted library was deleted after loading");
  }

  @Test
  void aPreferredExtractionDirectoryIsUsedAndAnUnusableOneSkipped() throws Exception {
    Path preferred = Files.createDirectory(tmp.resolve("preferred"));
    Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
    Result r = runChild("-Dio.lsmstore.tmpdir=" + preferred, "-Djava.io.tmpdir=" + javaTmp);
    assertEquals(0, r.exitCode, r::toString);
    assertEquals(0, entries(preferred));

    r = runChild("-Dio.lsmstore.tmpdir=" + tmp.resolve("does-not-exist"),
        "-Djava.io.tmpdir=" + javaTmp);
    assertEquals(0, r.exitCode, r::toString);
    assertEquals("OK", r.stdout.trim(), r::toString);
  }

  @Test
  void anExplicitLibraryPathIsUsed() throws Exception {
    Path lib = tmp.resolve("copy-of-liblsmjni.so");
    Files.write(lib, libraryInJar());
    Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
    Result r = runChild("-Dio.lsmstore.library.path=" + lib, "-Djava.io.tmpdir=" + javaTmp);
    assertEquals(0, r.exitCode, r::toString);
    assertEquals("OK", r.stdout.trim(), r::toString);
    assertEquals(0, entries(javaTmp), "nothing was extracted");
  }

  @Test
  void aBadExplicitLibraryPathIsAClearError() throws Exception {
    Result r = runChild("-Dio.lsmstore.library.path=" + tmp.resolve("missing.so"));
    assertNotEquals(0, r.exitCode);
    assertTrue(r.stderr.contains("UnsatisfiedLinkError"), r::toString);
    assertTrue(r.stderr.contains("io.lsmstore.library.path"), r::toString);
    assertTrue(r.stderr.contains("missing.so"), r::toString);
  }

  @Test
  void whenNothingWorksTheErrorListsEveryAttemptAndTheFix() throws Exception {
    Path nowhere = tmp.resolve("nowhere");
    Result r = runChild("-Dio.lsmstore.tmpdir=" + nowhere, "-Djava.io.tmpdir=" + nowhere,
        "-Djava.library.path=" + nowhere);
    assertNotEquals(0, r.exitCode);
    assertTrue(r.stderr.contains("cannot load the lsmstore native library"), r::toString);
    assertTrue(r.stderr.contains("extracting to " + nowhere), r::toString);
    assertTrue(r.stderr.contains("System.loadLibrary(\"lsmjni\")"), r::toString);
    assertTrue(r.stderr.contains("Fix:"), r::toString);
  }
}
