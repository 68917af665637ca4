package io.lsmstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Finds and loads liblsmjni, once per class loader, in this order:
 *
 * <ol>
 *   <li>the file named by the system property {@value #LIBRARY_PATH_PROPERTY}, if set (and
 *       nothing else: an explicit choice that fails is an error, not a reason to guess);
 *   <li>on a platform the jar has no library for (it carries one for each of {@link #SUPPORTED}),
 *       nothing more: a one-line UnsatisfiedLinkError names the platform and the supported ones;
 *   <li>the copy inside this jar (resource {@code native/<platform>/liblsmjni.so} beside this
 *       class, with its CRC-32 and size in {@code liblsmjni.so.crc32}), extracted to a fresh
 *       directory readable only by this user, created under {@value #TMPDIR_PROPERTY} if set,
 *       else under {@code java.io.tmpdir}. The extracted file is read back and its CRC-32 and size
 *       checked before {@code System.load}, so a damaged jar or a short write (a full disk) is
 *       reported, never loaded (a CRC, not a cryptographic digest: it catches damage, and the
 *       private directory keeps others from swapping the file; a SHA-256 of a cold JVM costs
 *       50-80 ms, the CRC 1 ms). The file and directory are deleted right after loading (Linux keeps the
 *       mapping), so nothing is left behind and no other user can swap the file between
 *       extraction and loading. Each class loader extracts its own copy, so the jar works when
 *       loaded by several class loaders of one JVM (each gets its own library instance);
 *   <li>{@code System.loadLibrary("lsmjni")}, i.e. {@code liblsmjni.so} on {@code
 *       java.library.path}.
 * </ol>
 *
 * If none works, the UnsatisfiedLinkError lists every attempt and how to fix it (for instance a
 * {@code java.io.tmpdir} mounted noexec).
 *
 * <p>The library binds its natives with RegisterNatives to the class named by the system
 * property {@value #CLASS_PROPERTY}, which this loader sets to the runtime name of {@link
 * NativeMethods} around the load. So a copy of this package relocated by a shading tool binds to
 * its own relocated class. The property name lies outside {@code io.lsmstore} on purpose, so
 * relocation does not rewrite it. Loads are serialised on the interned property-name string,
 * which is the same object in every class loader and every relocated copy.
 *
 * <p>Thread safety: safe; the JVM runs {@link NativeMethods}' initialiser once.
 */
final class NativeLibrary {
  static final String LIBRARY_PATH_PROPERTY = "io.lsmstore.library.path";
  static final String TMPDIR_PROPERTY = "io.lsmstore.tmpdir";
  static final String CLASS_PROPERTY = "lsmstore.jni.class";
  static final String LIBRARY_NAME = "lsmjni";
  /** The platforms the jar carries a library for, as {@link #platform()} names them. */
  static final List<String> SUPPORTED = List.of("linux-x86_64");

  private NativeLibrary() {}

  /**
   * This JVM's platform as {@code os-arch}: {@code linux-x86_64}, {@code linux-aarch64},
   * {@code mac-aarch64}, {@code windows-x86_64}, ...
   */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      os = "mac";
    } else if (os.startsWith("windows")) {
      os = "windows";
    } else {
      os = os.replace(' ', '_');
    }
    switch (arch) {
      case "amd64":
      case "x86_64":
        arch = "x86_64";
        break;
      case "arm64":
      case "aarch64":
        arch = "aarch64";
        break;
      default:
        break;
    }
    return os.concat("-").concat(arch);
  }

  /** The resource (relative to this class) of the library for {@code platform}. */
  static String resource(String platform) {
    return "native/".concat(platform).concat("/").concat(System.mapLibraryName(LIBRARY_NAME));
  }

  /** Loads the library for {@code natives} (NativeMethods) or throws UnsatisfiedLinkError. */
  static void load(Class<?> natives) {
    String explicit = System.getProperty(LIBRARY_PATH_PROPERTY);
    if (explicit != null && !explicit.isEmpty()) {
      String path = Path.of(explicit).toAbsolutePath().toString();
      try {
        loadAndVerify(natives, () -> System.load(path));
      } catch (UnsatisfiedLinkError e) {
        throw linkError("cannot load " + path + " (named by -D" + LIBRARY_PATH_PROPERTY + "): "
            + e.getMessage(), e);
      }
      return;
    }

    String platform = platform();
    if (!SUPPORTED.contains(platform)) {
      throw linkError("lsmstore has no native library for this platform, " + platform + " (os.name="
          + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch")
          + "); supported: " + String.join(", ", SUPPORTED) + " (or set -D" + LIBRARY_PATH_PROPERTY
          + " to a liblsmjni built for it)", null);
    }
    List<String> attempts = new ArrayList<>();
    String name = resource(platform);
    URL resource = NativeLibrary.class.getResource(name);
    URL check = NativeLibrary.class.getResource(name.concat(".crc32"));
    if (resource == null || check == null) {
      attempts.add("the jar has no resource " + name + (resource == null ? "" : ".crc32"));
    } else {
      List<String> bases = new ArrayList<>();
      String preferred = System.getProperty(TMPDIR_PROPERTY);
      if (preferred != null && !preferred.isEmpty()) {
        bases.add(preferred);
      }
      bases.add(System.getProperty("java.io.tmpdir"));
      for (String base : bases) {
        try {
          loadExtracted(natives, resource, readCheck(check), Path.of(base));
          return;
        } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
          if (e instanceof AbiMismatch) {
            throw (AbiMismatch) e;
          }
          attempts.add("extracting to " + base + ": " + e);
        }
      }
    }
    try {
      loadAndVerify(natives, () -> System.loadLibrary(LIBRARY_NAME));
      return;
    } catch (AbiMismatch e) {
      throw e;
    } catch (UnsatisfiedLinkError e) {
      attempts.add("System.loadLibrary(\"" + LIBRARY_NAME + "\") with java.library.path="
          + System.getProperty("java.library.path") + ": " + e.getMessage());
    }
    throw linkError("cannot load the lsmstore native library liblsmjni.so; tried:\n  - "
        + String.join("\n  - ", attempts)
        + "\nFix: use the jar built with the library, or set -D" + TMPDIR_PROPERTY
        + "=<a directory on a file system that allows executables> (when java.io.tmpdir is"
        + " mounted noexec), or -D" + LIBRARY_PATH_PROPERTY + "=/path/to/liblsmjni.so.", null);
  }

  /** The jar's "CRC SIZE" line for its library: the CRC-32 in hex and the size in bytes. */
  private static String readCheck(URL check) throws IOException {
    try (InputStream in = check.openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
  }

  /** The "CRC SIZE" line of {@code file}'s contents, as read back from the file system. */
  private static String crc32(Path file) throws IOException {
    CRC32 crc = new CRC32();
    byte[] buf = new byte[1 << 16];
    long size = 0;
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
        size += n;
      }
    }
    // Neither String.format nor '+': their first use (Formatter, or the invokedynamic
    // bootstrap of string concatenation) costs tens of milliseconds in a fresh JVM, and this
    // runs on every load.
    String hex = Long.toHexString(crc.getValue());
    return "0".repeat(8 - hex.length()).concat(hex).concat(" ").concat(Long.toString(size));
  }

  private static void loadExtracted(Class<?> natives, URL resource, String expectedCheck,
      Path base) throws IOException {
    Path dir;
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      dir = Files.createTempDirectory(base, "lsmjni",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      dir = Files.createTempDirectory(base, "lsmjni");
    }
    Path file = dir.resolve(System.mapLibraryName(LIBRARY_NAME));
    try {
      try (InputStream in = resource.openStream()) {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      }
      String actual = crc32(file);
      if (!actual.equals(expectedCheck)) {
        throw new IOException("the extracted " + file.getFileName() + " has CRC-32 and size "
            + actual + ", the jar says " + expectedCheck
            + ": a damaged jar or an incomplete write (a full disk?); not loaded");
      }
      String path = file.toAbsolutePath().toString();
      loadAndVerify(natives, () -> System.load(path));
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /** Runs {@code load} with the class property set, then checks the library answers. */
  private static void loadAndVerify(Class<?> natives, Runnable load) {
    synchronized (CLASS_PROPERTY) {
      String previous = System.getProperty(CLASS_PROPERTY);
      System.setProperty(CLASS_PROPERTY, natives.getName());
      try {
        load.run();
      } finally {
        if (previous == null) {
          System.clearProperty(CLASS_PROPERTY);
        } else {
          System.setProperty(CLASS_PROPERTY, previous);
        }
      }
    }
    int version;
    try {
      version = NativeMethods.abiVersion();
    } catch (UnsatisfiedLinkError e) {
      throw new AbiMismatch("liblsmjni loaded but did not bind " + natives.getName()
          + " (another copy of the library already loaded in this process?)", e);
    }
    if (version != NativeMethods.ABI_VERSION) {
      throw new AbiMismatch("liblsmjni has ABI version " + version + ", this jar needs "
          + NativeMethods.ABI_VERSION + ": the jar and the library come from different builds",
          null);
    }
  }

  private static UnsatisfiedLinkError linkError(String message, Throwable cause) {
    UnsatisfiedLinkError e = new UnsatisfiedLinkError(message);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /** A library that loaded but is the wrong one: no point trying another location. */
  private static final class AbiMismatch extends UnsatisfiedLinkError {
    private static final long serialVersionUID = 1L;

    AbiMismatch(String message, Throwable cause) {
      super(message);
      if (cause != null) {
        initCause(cause);
      }
    }
  }
}
