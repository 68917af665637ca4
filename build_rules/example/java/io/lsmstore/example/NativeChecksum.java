package io.lsmstore.example;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** FNV-1a computed in native code; the library is loaded from this jar. */
public final class NativeChecksum {
  static {
    try (InputStream in = NativeChecksum.class.getResourceAsStream("libchecksum_jni.so")) {
      if (in == null) {
        throw new UnsatisfiedLinkError("libchecksum_jni.so is not in the jar");
      }
      Path tmp = Files.createTempFile("checksum_jni", ".so");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      System.load(tmp.toString());
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private NativeChecksum() {}

  public static native long fnv1a(byte[] data);
}
