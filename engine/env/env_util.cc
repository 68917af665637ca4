// The free functions of lsm/env.h that work over any Env.
#include <memory>
#include <string>

#include "lsm/env.h"

namespace lsm {

absl::Status ReadFileToString(Env* env, const std::string& path, std::string* data) {
  data->clear();
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = env->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  constexpr size_t kChunk = 64 << 10;
  std::unique_ptr<char[]> scratch(new char[kChunk]);
  for (;;) {
    std::string_view fragment;
    absl::Status s = (*file)->Read(kChunk, &fragment, scratch.get());
    if (!s.ok()) return s;
    if (fragment.empty()) return absl::OkStatus();
    data->append(fragment.data(), fragment.size());
  }
}

absl::Status WriteStringToFile(Env* env, std::string_view data, const std::string& path,
                               bool sync) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file = env->NewWritableFile(path);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(data);
  if (s.ok() && sync) s = (*file)->Sync();
  if (s.ok()) {
    s = (*file)->Close();
  } else {
    (*file)->Close().IgnoreError();
  }
  if (!s.ok()) env->RemoveFile(path).IgnoreError();  // Leave no partial file behind.
  return s;
}

}  // namespace lsm
