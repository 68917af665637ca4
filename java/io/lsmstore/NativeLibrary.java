package io.lsmstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads liblsmjni, once per class loader, in this order:
 *
 * <ol>
 *   <li>the file named by the system property {@value #LIBRARY_PATH_PROPERTY}, if set (and
 *       nothing else: an explicit choice that fails is an error, not a reason to guess);
 *   <li>the copy inside this jar (resource {@value #RESOURCE} beside this class), extracted to a
 *       fresh directory readable only by this user, created under {@value #TMPDIR_PROPERTY} if
 *       set, else under {@code java.io.tmpdir}; the file and directory are deleted right after
 *       loading (Linux keeps the mapping), so nothing is left behind and no other user can swap
 *       the file between extraction and loading;
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
  static final String RESOURCE = "native/liblsmjni.so";

  private NativeLibrary() {}

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

    List<String> attempts = new ArrayList<>();
    URL resource = NativeLibrary.class.getResource(RESOURCE);
    if (resource == null) {
      attempts.add("the jar has no resource " + RESOURCE);
    } else {
      List<String> bases = new ArrayList<>();
      String preferred = System.getProperty(TMPDIR_PROPERTY);
      if (preferred != null && !preferred.isEmpty()) {
        bases.add(preferred);
      }
      bases.add(System.getProperty("java.io.tmpdir"));
      for (String base : bases) {
        try {
          loadExtracted(natives, resource, Path.of(base));
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

  private static void loadExtracted(Class<?> natives, URL resource, Path base) throws IOException {
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
