package io.lsmstore.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NativeChecksumTest {
  @Test
  void emptyInputIsTheOffsetBasis() {
    assertEquals(0xcbf29ce484222325L, NativeChecksum.fnv1a(new byte[0]));
  }

  @Test
  void matchesTheReferenceValueForA() {
    // FNV-1a 64 of "a" from the algorithm's published test vectors.
    assertEquals(0xaf63dc4c8601ec8cL, NativeChecksum.fnv1a("a".getBytes(StandardCharsets.US_ASCII)));
  }
}
