#include "jni/jni_support.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace lsm {
namespace jni {

namespace {

JniClasses g_classes;

// A global reference to a class, or nullptr with an exception pending.
jclass PinClass(JNIEnv* env, const char* name) {
  jclass local = env->FindClass(name);
  if (local == nullptr) return nullptr;
  auto global = static_cast<jclass>(env->NewGlobalRef(local));
  env->DeleteLocalRef(local);
  return global;
}

void ThrowClass(JNIEnv* env, jclass cls, const char* message) {
  if (env->ExceptionCheck()) return;  // the first error wins
  if (cls == nullptr) {
    // Only reachable if a native runs before JNI_OnLoad finished, which the
    // JVM does not allow; still, never dereference a missing class.
    jclass fallback = env->FindClass("java/lang/Error");
    if (fallback != nullptr) env->ThrowNew(fallback, message);
    return;
  }
  env->ThrowNew(cls, message);
}

void ThrowLsmException(JNIEnv* env, int code, std::string_view message) {
  if (env->ExceptionCheck()) return;
  const JniClasses& c = g_classes;
  if (c.lsm_exception == nullptr) {
    ThrowClass(env, nullptr, "liblsmjni is not initialised");
    return;
  }
  jstring jmessage = NewStringFromUtf8(env, message);
  if (jmessage == nullptr) return;  // OutOfMemoryError pending
  auto exception = static_cast<jthrowable>(
      env->NewObject(c.lsm_exception, c.lsm_exception_ctor, static_cast<jint>(code), jmessage));
  env->DeleteLocalRef(jmessage);
  if (exception == nullptr) return;  // the constructor threw
  env->Throw(exception);
  env->DeleteLocalRef(exception);
}

}  // namespace

const JniClasses& Classes() { return g_classes; }

bool InitClasses(JNIEnv* env, const std::string& package_prefix) {
  JniClasses c;
  const std::string exception_name = package_prefix + "LsmException";
  c.lsm_exception = PinClass(env, exception_name.c_str());
  if (c.lsm_exception == nullptr) return false;
  c.lsm_exception_ctor = env->GetMethodID(c.lsm_exception, "<init>", "(ILjava/lang/String;)V");
  if (c.lsm_exception_ctor == nullptr) return false;
  if ((c.illegal_argument = PinClass(env, "java/lang/IllegalArgumentException")) == nullptr ||
      (c.null_pointer = PinClass(env, "java/lang/NullPointerException")) == nullptr ||
      (c.illegal_state = PinClass(env, "java/lang/IllegalStateException")) == nullptr ||
      (c.out_of_memory = PinClass(env, "java/lang/OutOfMemoryError")) == nullptr) {
    return false;
  }
  g_classes = c;
  return true;
}

void ReleaseClasses(JNIEnv* env) {
  for (jclass cls : {g_classes.lsm_exception, g_classes.illegal_argument, g_classes.null_pointer,
                     g_classes.illegal_state, g_classes.out_of_memory}) {
    if (cls != nullptr) env->DeleteGlobalRef(cls);
  }
  g_classes = JniClasses();
}

jstring NewStringFromUtf8(JNIEnv* env, std::string_view bytes) {
  std::vector<jchar> utf16;
  utf16.reserve(bytes.size());
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b0 = p[i];
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else {
      size_t need = 0;
      uint32_t min = 0;
      if ((b0 & 0xE0) == 0xC0) {
        need = 1, cp = b0 & 0x1F, min = 0x80;
      } else if ((b0 & 0xF0) == 0xE0) {
        need = 2, cp = b0 & 0x0F, min = 0x800;
      } else if ((b0 & 0xF8) == 0xF0) {
        need = 3, cp = b0 & 0x07, min = 0x10000;
      }
      bool good = need > 0;
      for (size_t k = 1; good && k <= need; ++k) {
        if (i + k >= n || (p[i + k] & 0xC0) != 0x80) {
          good = false;
        } else {
          cp = (cp << 6) | (p[i + k] & 0x3F);
        }
      }
      if (good && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        len = need + 1;
      } else {
        cp = 0xFFFD;
        len = 1;
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      utf16.push_back(static_cast<jchar>(0xD800 + (cp >> 10)));
      utf16.push_back(static_cast<jchar>(0xDC00 + (cp & 0x3FF)));
    } else {
      utf16.push_back(static_cast<jchar>(cp));
    }
    i += len;
  }
  return env->NewString(utf16.data(), static_cast<jsize>(utf16.size()));
}

void ThrowStatus(JNIEnv* env, const absl::Status& status) {
  ThrowLsmException(env, static_cast<int>(status.code()),
                    std::string_view(status.message().data(), status.message().size()));
}

void ThrowIllegalArgument(JNIEnv* env, const char* message) {
  ThrowClass(env, g_classes.illegal_argument, message);
}

void ThrowIndexOutOfBounds(JNIEnv* env, const char* message) {
  if (env->ExceptionCheck()) return;
  // Rare (the Java side checks ranges first): looked up when needed.
  jclass cls = env->FindClass("java/lang/IndexOutOfBoundsException");
  if (cls == nullptr) return;
  env->ThrowNew(cls, message);
  env->DeleteLocalRef(cls);
}

void ThrowNullPointer(JNIEnv* env, const char* message) {
  ThrowClass(env, g_classes.null_pointer, message);
}

void ThrowIllegalState(JNIEnv* env, const char* message) {
  ThrowClass(env, g_classes.illegal_state, message);
}

void ThrowOutOfMemory(JNIEnv* env, const char* message) {
  ThrowClass(env, g_classes.out_of_memory, message);
}

void ThrowInternal(JNIEnv* env, const char* what) {
  std::string message = "C++ exception in liblsmjni: ";
  message += (what != nullptr ? what : "(no message)");
  ThrowLsmException(env, static_cast<int>(absl::StatusCode::kInternal), message);
}

bool CopyArrayRegion(JNIEnv* env, jbyteArray array, jint offset, jint length, std::string* out) {
  if (array == nullptr) {
    ThrowNullPointer(env, "byte array is null");
    return false;
  }
  if (length < 0) {
    ThrowIllegalArgument(env, "negative length");
    return false;
  }
  out->resize(static_cast<size_t>(length));
  // Throws ArrayIndexOutOfBoundsException for a bad range.
  env->GetByteArrayRegion(array, offset, length, reinterpret_cast<jbyte*>(out->data()));
  return !env->ExceptionCheck();
}

bool CopyWholeArray(JNIEnv* env, jbyteArray array, std::string* out) {
  if (array == nullptr) {
    ThrowNullPointer(env, "byte array is null");
    return false;
  }
  return CopyArrayRegion(env, array, 0, env->GetArrayLength(array), out);
}

DirectRange GetDirectRange(JNIEnv* env, jobject buffer, jint position, jint length) {
  DirectRange r;
  if (buffer == nullptr) {
    ThrowNullPointer(env, "ByteBuffer is null");
    return r;
  }
  void* base = env->GetDirectBufferAddress(buffer);
  const jlong capacity = env->GetDirectBufferCapacity(buffer);
  if (base == nullptr || capacity < 0) {
    ThrowIllegalArgument(env, "ByteBuffer is not a direct buffer");
    return r;
  }
  if (position < 0 || length < 0 || static_cast<jlong>(position) + length > capacity) {
    ThrowIllegalArgument(env, "range outside the ByteBuffer's capacity");
    return r;
  }
  r.data = static_cast<char*>(base) + position;
  r.size = static_cast<size_t>(length);
  r.ok = true;
  return r;
}

jbyteArray NewByteArray(JNIEnv* env, std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    ThrowOutOfMemory(env, "value too large for a Java byte[]");
    return nullptr;
  }
  const auto n = static_cast<jsize>(bytes.size());
  jbyteArray array = env->NewByteArray(n);
  if (array == nullptr) return nullptr;  // OutOfMemoryError pending
  env->SetByteArrayRegion(array, 0, n, reinterpret_cast<const jbyte*>(bytes.data()));
  return array;
}

bool CopyIntoArray(JNIEnv* env, std::string_view bytes, jbyteArray array, jint offset,
                   jint capacity) {
  if (array == nullptr) {
    ThrowNullPointer(env, "byte array is null");
    return false;
  }
  if (capacity < 0) {
    ThrowIllegalArgument(env, "negative length");
    return false;
  }
  const jint n = bytes.size() < static_cast<size_t>(capacity) ? static_cast<jint>(bytes.size())
                                                              : capacity;
  // Checks the whole destination range, not only the bytes copied, so a bad
  // range fails the same way whatever the value's length.
  const jsize array_length = env->GetArrayLength(array);
  if (offset < 0 || static_cast<jlong>(offset) + capacity > array_length) {
    ThrowIndexOutOfBounds(env, "range outside the byte array");
    return false;
  }
  env->SetByteArrayRegion(array, offset, n, reinterpret_cast<const jbyte*>(bytes.data()));
  return !env->ExceptionCheck();
}

}  // namespace jni
}  // namespace lsm
