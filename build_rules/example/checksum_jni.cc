// Native half of the Java-rules example: FNV-1a over a byte array.
#include <jni.h>

#include <cstdint>

extern "C" JNIEXPORT jlong JNICALL
Java_io_lsmstore_example_NativeChecksum_fnv1a(JNIEnv* env, jclass, jbyteArray data) {
  if (data == nullptr) return 0;
  const jsize n = env->GetArrayLength(data);
  jbyte* bytes = env->GetByteArrayElements(data, nullptr);
  if (bytes == nullptr) return 0;  // OutOfMemoryError is pending
  uint64_t h = 14695981039346656037ull;
  for (jsize i = 0; i < n; ++i) {
    h ^= static_cast<uint8_t>(bytes[i]);
    h *= 1099511628211ull;
  }
  env->ReleaseByteArrayElements(data, bytes, JNI_ABORT);
  return static_cast<jlong>(h);
}
