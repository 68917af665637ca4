// JNI plumbing shared by the native methods of liblsmjni.so: the Java classes
// the library throws, the mapping of absl::Status to io.lsmstore.LsmException,
// the boundary that stops C++ exceptions from reaching the JVM, and helpers
// that read Java byte arrays and direct buffers.
//
// Thread safety: JniClasses is filled once by JNI_OnLoad (before any native
// method can run) and is read-only afterwards; every other function works on
// the calling thread's JNIEnv only.
#ifndef LSM_JNI_JNI_SUPPORT_H_
#define LSM_JNI_JNI_SUPPORT_H_

#include <jni.h>

#include <cstddef>
#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace lsm {
namespace jni {

// Global references to the classes the library throws, and the constructor of
// LsmException. The package of LsmException follows the package of the class
// the natives were registered on, so a relocated (shaded) copy of the Java
// API throws its own relocated exception class.
struct JniClasses {
  jclass lsm_exception = nullptr;        // <package>/LsmException
  jmethodID lsm_exception_ctor = nullptr;  // (int code, String message)
  jclass illegal_argument = nullptr;      // java/lang/IllegalArgumentException
  jclass null_pointer = nullptr;          // java/lang/NullPointerException
  jclass illegal_state = nullptr;         // java/lang/IllegalStateException
  jclass out_of_memory = nullptr;         // java/lang/OutOfMemoryError
};

// The process-wide cache. Valid between a successful InitClasses and
// ReleaseClasses.
const JniClasses& Classes();

// Looks up and pins the classes above. `package_prefix` is the internal name
// of the Java package with a trailing slash, e.g. "io/lsmstore/". Returns false
// with a Java exception pending on failure.
bool InitClasses(JNIEnv* env, const std::string& package_prefix);
void ReleaseClasses(JNIEnv* env);

// Decodes bytes as UTF-8 (invalid sequences become U+FFFD) into a Java String.
// Unlike NewStringUTF it accepts any bytes, including NUL and 4-byte sequences.
// Returns nullptr with OutOfMemoryError pending on failure.
jstring NewStringFromUtf8(JNIEnv* env, std::string_view bytes);

// Each Throw* leaves exactly one Java exception pending. If one is already
// pending it is kept, and the new one dropped: the first error wins.
void ThrowStatus(JNIEnv* env, const absl::Status& status);
void ThrowIllegalArgument(JNIEnv* env, const char* message);
void ThrowNullPointer(JNIEnv* env, const char* message);
void ThrowIndexOutOfBounds(JNIEnv* env, const char* message);
void ThrowIllegalState(JNIEnv* env, const char* message);
void ThrowOutOfMemory(JNIEnv* env, const char* message);
// An std::exception or anything else escaping C++ code: an INTERNAL
// LsmException naming it.
void ThrowInternal(JNIEnv* env, const char* what);

// Runs fn() and converts every C++ exception into a Java exception, so none
// unwinds into the JVM (which would abort it). Returns fn()'s result, or
// `on_error` when an exception was caught.
template <typename R, typename F>
R Boundary(JNIEnv* env, R on_error, F&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    ThrowOutOfMemory(env, "native allocation failed in liblsmjni");
  } catch (const std::exception& e) {
    ThrowInternal(env, e.what());
  } catch (...) {
    ThrowInternal(env, "unknown C++ exception");
  }
  return on_error;
}

// The same for native methods returning void.
template <typename F>
void BoundaryVoid(JNIEnv* env, F&& fn) noexcept {
  Boundary(env, 0, [&] {
    fn();
    return 0;
  });
}

// Copies array[offset, offset + length) into *out (replacing its contents).
// Returns false with a Java exception pending (NullPointerException,
// ArrayIndexOutOfBoundsException) when the range is invalid.
bool CopyArrayRegion(JNIEnv* env, jbyteArray array, jint offset, jint length, std::string* out);

// Copies the whole array into *out; a null array is an error (NullPointerException).
bool CopyWholeArray(JNIEnv* env, jbyteArray array, std::string* out);

// The bytes [position, position + length) of a direct ByteBuffer, or a null
// data pointer with IllegalArgumentException pending when the buffer is not
// direct or the range does not fit its capacity. A zero length yields a valid
// empty view.
struct DirectRange {
  char* data = nullptr;
  size_t size = 0;
  bool ok = false;
};
DirectRange GetDirectRange(JNIEnv* env, jobject buffer, jint position, jint length);

// A new byte[] holding `bytes`; nullptr with an exception pending on failure.
jbyteArray NewByteArray(JNIEnv* env, std::string_view bytes);

// Copies up to `capacity` leading bytes of `bytes` into array[offset, ...).
// Returns false with an exception pending when the range is invalid.
bool CopyIntoArray(JNIEnv* env, std::string_view bytes, jbyteArray array, jint offset,
                   jint capacity);

}  // namespace jni
}  // namespace lsm

#endif  // LSM_JNI_JNI_SUPPORT_H_
