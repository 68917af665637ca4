package io.lsmstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the jar finds its native library; each case runs in a fresh JVM. */
class NativeLibraryTest {
  @TempDir Path tmp;

  /** The program the child JVMs run: a store round trip, then "OK". */
  public static final class Child {
    public static void main(String[] args) {
      System.out.println(roundTrip(args[0]));
    }

    /** "OK" after a put and a get in a store at {@code dir}. */
    public static String roundTrip(String dir) {
      try (LsmStore store = LsmStore.open(Path.of(dir))) {
        store.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
        String v = new String(store.get("k".getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8);
        return "v".equals(v) ? "OK" : "WRONG " + v;
      }
    }
  }

  /** The platform every test machine is, and the one the jar carries. */
  private static final String PLATFORM = "linux-x86_64";

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
    return runChildWithJar(location(LsmStore.class), Map.of(), jvmFlags);
  }

  /** Runs Child in a fresh JVM with {@code jar} (an io.lsmstore jar) and the tests' classes. */
  private Result runChildWithJar(String jar, Map<String, String> env, String... jvmFlags)
      throws Exception {
    List<String> args = new ArrayList<>(List.of(jvmFlags));
    args.add("-cp");
    args.add(jar + File.pathSeparator + location(Child.class));
    args.add(Child.class.getName());
    args.add(tmp.resolve("db").toString());
    return runJava(env, args);
  }

  private Result runJava(Map<String, String> env, List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(args);
    return run(env, command);
  }

  private Result run(Map<String, String> env, List<String> command) throws Exception {
    Path out = tmp.resolve("child.out");
    Path err = tmp.resolve("child.err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().putAll(env);
    Process p = builder.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  private static byte[] libraryInJar() throws IOException {
    String name = NativeLibrary.resource(PLATFORM);
    try (InputStream in = NativeLibrary.class.getResourceAsStream(name)) {
      assertNotNull(in, "the jar carries " + name);
      return in.readAllBytes();
    }
  }

  /** The library, written to a file for the binutils to read. */
  private Path libraryFile() throws IOException {
    Path lib = tmp.resolve("liblsmjni.so");
    Files.write(lib, libraryInJar());
    return lib;
  }

  /** A copy of the io.lsmstore jar whose library entry is replaced by {@code damage(bytes)}. */
  private Path jarWithLibrary(String name, java.util.function.UnaryOperator<byte[]> damage)
      throws Exception {
    Path copy = tmp.resolve(name);
    String entryName = "io/lsmstore/" + NativeLibrary.resource(PLATFORM);
    boolean replaced = false;
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(
            Path.of(location(LsmStore.class))));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        byte[] data = in.readAllBytes();
        if (e.getName().equals(entryName)) {
          data = damage.apply(data);
          replaced = true;
        }
        out.putNextEntry(new ZipEntry(e.getName()));
        out.write(data);
        out.closeEntry();
      }
    }
    assertTrue(replaced, "the jar has " + entryName);
    return copy;
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
  void theLibraryExportsOnlyTheJniEntryPoints() throws Exception {
    // Global or weak symbols the library defines for the dynamic linker. Nothing of the
    // engine, abseil, snappy or zstd: another copy of those in the JVM (a second native library)
    // can neither interpose on ours nor be interposed on. No Java_<package>_<class>_<method>
    // either: natives are bound by RegisterNatives, so a relocated package still links.
    Result nm = run(Map.of(), List.of("nm", "-D", "--defined-only", libraryFile().toString()));
    assertEquals(0, nm.exitCode, nm::toString);
    Set<String> exported = new TreeSet<>();
    for (String line : nm.stdout.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3 && Character.isUpperCase(f[1].charAt(0))) {
        exported.add(f[2]);
      }
    }
    assertEquals(Set.of("JNI_OnLoad", "JNI_OnUnload"), exported, nm::toString);
  }

  @Test
  void theLibraryNeedsOnlyGlibcAndLibstdcxx() throws Exception {
    Result readelf = run(Map.of(), List.of("readelf", "-dW", libraryFile().toString()));
    assertEquals(0, readelf.exitCode, readelf::toString);
    Set<String> needed = new TreeSet<>();
    Matcher m = Pattern.compile("\\(NEEDED\\)\\s+Shared library: \\[([^\\]]+)\\]")
        .matcher(readelf.stdout);
    while (m.find()) {
      needed.add(m.group(1));
    }
    assertFalse(needed.isEmpty(), readelf::toString);
    Set<String> allowed = Set.of("libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1",
        "ld-linux-x86-64.so.2");
    assertTrue(allowed.containsAll(needed), "needs " + needed + ", allowed " + allowed);
    assertFalse(readelf.stdout.contains("TEXTREL"), "text relocations");
    assertFalse(readelf.stdout.contains("RPATH") || readelf.stdout.contains("RUNPATH"),
        "searches a path of the build machine");
  }

  @Test
  void withOnlyTheJarNoAbseilSnappyZstdOrLz4IsLoadedFromOutsideIt() throws Exception {
    // A program given nothing but the jar on its class path (run from source), with the
    // dynamic linker reporting every library it loads. This machine has Debian's shared
    // abseil, snappy, zstd and lz4 installed: a library that linked any of them would load them
    // from /usr/lib here.
    Path probe = tmp.resolve("Probe.java");
    Files.writeString(probe, String.join("\n",
        "import io.lsmstore.LsmStore;",
        "import java.nio.file.Path;",
        "public class Probe {",
        "  public static void main(String[] args) {",
        "    try (LsmStore s = LsmStore.open(Path.of(args[0]))) {",
        "      s.put(new byte[] {1}, new byte[] {2});",
        "      System.out.println(s.get(new byte[] {1})[0] == 2 ? \"OK\" : \"WRONG\");",
        "    }",
        "  }",
        "}",
        ""));
    Path extractDir = Files.createDirectory(tmp.resolve("extract"));
    Result r = runJava(Map.of("LD_DEBUG", "libs"), List.of(
        "-Djava.io.tmpdir=" + extractDir, "-cp", location(LsmStore.class), probe.toString(),
        tmp.resolve("db").toString()));
    assertEquals(0, r.exitCode, r::toString);
    assertEquals("OK", r.stdout.trim(), r::toString);

    // "calling init: PATH" is printed for every library loaded, with its full path.
    List<String> loaded = new ArrayList<>();
    Matcher m = Pattern.compile("calling init: (\\S+)").matcher(r.stderr);
    while (m.find()) {
      loaded.add(m.group(1));
    }
    List<String> ours = loaded.stream()
        .filter(p -> p.startsWith(extractDir.toString()) && p.endsWith("/liblsmjni.so"))
        .collect(Collectors.toList());
    assertEquals(1, ours.size(), "liblsmjni.so loaded once from the extraction folder: " + loaded);
    List<String> outside = loaded.stream()
        .filter(p -> !p.startsWith(extractDir.toString()))
        .filter(p -> Pattern.compile("(absl|snappy|zstd|lz4)").matcher(
            Path.of(p).getFileName().toString()).find())
        .collect(Collectors.toList());
    assertEquals(List.of(), outside, "loaded from outside the jar");
  }

  @Test
  void anotherAbseilInTheProcessNeitherClashesWithNorInterposesOnOurs() throws Exception {
    // A second native library of the JVM brings Debian's shared abseil (same version, other
    // build) before lsmstore loads: ours must still work, and the dynamic linker must bind no
    // symbol of liblsmjni.so to that abseil.
    Path systemAbseil = Path.of("/usr/lib/x86_64-linux-gnu/libabsl_status.so.20220623");
    assertTrue(Files.exists(systemAbseil), systemAbseil + " (Debian's libabsl, ./bazelw installs it)");
    Path probe = tmp.resolve("Probe.java");
    Files.writeString(probe, String.join("\n",
        "import io.lsmstore.LsmStore;",
        "import java.nio.file.Path;",
        "public class Probe {",
        "  public static void main(String[] args) {",
        "    System.load(args[1]);",
        "    try (LsmStore s = LsmStore.open(Path.of(args[0]))) {",
        "      s.put(new byte[] {1}, new byte[] {2});",
        "      System.out.println(s.get(new byte[] {1})[0] == 2 ? \"OK\" : \"WRONG\");",
        "    }",
        "  }",
        "}",
        ""));
    Path extractDir = Files.createDirectory(tmp.resolve("extract"));
    Result r = runJava(Map.of("LD_DEBUG", "bindings,libs"), List.of(
        "-Djava.io.tmpdir=" + extractDir, "-cp", location(LsmStore.class), probe.toString(),
        tmp.resolve("db").toString(), systemAbseil.toString()));
    assertEquals(0, r.exitCode, () -> r.stdout + r.stderr.substring(
        Math.max(0, r.stderr.length() - 4000)));
    assertEquals("OK", r.stdout.trim());
    assertTrue(r.stderr.contains("calling init: " + systemAbseil), "the other abseil was loaded");
    // "binding file A [0] to B [0]: normal symbol `S'" for every symbol A takes from B.
    List<String> ours = Arrays.stream(r.stderr.split("\n"))
        .filter(l -> l.contains("binding file " + extractDir))
        .collect(Collectors.toList());
    assertTrue(ours.stream().anyMatch(l -> l.contains("libc.so.6")),
        "liblsmjni.so's bindings to libc appear in the log");
    List<String> toAbseil = ours.stream()
        .filter(l -> l.contains("libabsl_"))
        .collect(Collectors.toList());
    assertEquals(List.of(), toAbseil, "liblsmjni.so bound to another abseil");
    List<String> intoOurs = Arrays.stream(r.stderr.split("\n"))
        .filter(l -> l.contains("binding file") && l.contains("libabsl_")
            && l.contains(" to " + extractDir))
        .collect(Collectors.toList());
    assertEquals(List.of(), intoOurs, "the other abseil bound to liblsmjni.so");
  }

  @Test
  void anUnsupportedPlatformIsAOneLineErrorNamingItAndTheSupportedOnes() throws Exception {
    Result r = runChild("-Dos.name=Mac OS X", "-Dos.arch=aarch64");
    assertNotEquals(0, r.exitCode);
    List<String> lines = Arrays.stream(r.stderr.split("\n"))
        .filter(l -> l.contains("UnsatisfiedLinkError"))
        .collect(Collectors.toList());
    assertEquals(1, lines.size(), r::toString);
    String line = lines.get(0);
    assertTrue(line.contains("mac-aarch64"), r::toString);
    assertTrue(line.contains("supported: " + PLATFORM), r::toString);
    // The message is that one line: the next line of the trace is a stack frame.
    String afterMessage = r.stderr.substring(r.stderr.indexOf(line) + line.length()).trim();
    assertTrue(afterMessage.isEmpty() || afterMessage.startsWith("at "), r::toString);
  }

  @Test
  void aDamagedLibraryIsDetectedBeforeItIsLoaded() throws Exception {
    // Same size, one byte changed: a dynamic linker would likely load it. And a truncated
    // copy, as a partial extraction leaves it.
    Path flipped = jarWithLibrary("flipped.jar", b -> {
      byte[] c = b.clone();
      c[c.length / 2] ^= 0x5a;
      return c;
    });
    Path truncated = jarWithLibrary("truncated.jar", b -> Arrays.copyOf(b, b.length / 3));
    for (Path jar : List.of(flipped, truncated)) {
      Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp-" + jar.getFileName()));
      Result r = runChildWithJar(jar.toString(), Map.of("LD_DEBUG", "files"),
          "-Djava.io.tmpdir=" + javaTmp);
      assertNotEquals(0, r.exitCode, r::toString);
      assertTrue(r.stderr.contains("has CRC-32 and size"), r::toString);
      assertTrue(r.stderr.contains("not loaded"), r::toString);
      // The dynamic linker never opened the extracted copy.
      assertFalse(r.stderr.contains(javaTmp.toString() + "/lsmjni"), r::toString);
      assertEquals(0, entries(javaTmp), "the damaged copy was deleted");
    }
  }

  @Test
  void twoClassLoadersLoadingTheJarBothWork() throws Exception {
    // As Flink or an application server loads it: each loader has its own io.lsmstore classes,
    // and each gets its own copy of the library.
    URL[] urls = {
      Path.of(location(LsmStore.class)).toUri().toURL(),
      Path.of(location(Child.class)).toUri().toURL(),
    };
    ClassLoader parent = ClassLoader.getPlatformClassLoader();
    try (URLClassLoader a = new URLClassLoader(urls, parent);
        URLClassLoader b = new URLClassLoader(urls, parent)) {
      Class<?> childA = a.loadClass(Child.class.getName());
      Class<?> childB = b.loadClass(Child.class.getName());
      assertNotEquals(childA, childB);
      assertNotEquals(LsmStore.class, a.loadClass(LsmStore.class.getName()));
      for (int round = 0; round < 2; round++) {
        assertEquals("OK", childA.getMethod("roundTrip", String.class)
            .invoke(null, tmp.resolve("a").toString()));
        assertEquals("OK", childB.getMethod("roundTrip", String.class)
            .invoke(null, tmp.resolve("b").toString()));
      }
      // And this test's own loader, which loaded the library first.
      assertEquals("OK", Child.roundTrip(tmp.resolve("c").toString()));
    }
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
