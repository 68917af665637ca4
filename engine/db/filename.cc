#include "engine/db/filename.h"

#include <cctype>

#include "absl/strings/str_format.h"
#include "lsm/status.h"

namespace lsm {

namespace {

std::string NumberedName(const std::string& dbname, uint64_t number, const char* suffix) {
  return absl::StrFormat("%s/%06d.%s", dbname, number, suffix);
}

// Consumes a decimal number from the front of *in.
bool ConsumeDecimal(std::string_view* in, uint64_t* value) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < in->size() && std::isdigit(static_cast<unsigned char>((*in)[i])); ++i) {
    const uint64_t digit = (*in)[i] - '0';
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (i == 0) return false;
  in->remove_prefix(i);
  *value = v;
  return true;
}

}  // namespace

std::string LogFileName(const std::string& dbname, uint64_t number) {
  return NumberedName(dbname, number, "log");
}
std::string TableFileName(const std::string& dbname, uint64_t number) {
  return NumberedName(dbname, number, "sst");
}
std::string TempFileName(const std::string& dbname, uint64_t number) {
  return NumberedName(dbname, number, "dbtmp");
}
std::string DescriptorFileName(const std::string& dbname, uint64_t number) {
  return absl::StrFormat("%s/MANIFEST-%06d", dbname, number);
}
std::string CurrentFileName(const std::string& dbname) { return dbname + "/CURRENT"; }
std::string LockFileName(const std::string& dbname) { return dbname + "/LOCK"; }
std::string InfoLogFileName(const std::string& dbname) { return dbname + "/LOG"; }

bool ParseFileName(std::string_view name, uint64_t* number, FileType* type) {
  if (name == "CURRENT") {
    *number = 0;
    *type = FileType::kCurrent;
    return true;
  }
  if (name == "LOCK") {
    *number = 0;
    *type = FileType::kLock;
    return true;
  }
  if (name == "LOG") {
    *number = 0;
    *type = FileType::kInfoLog;
    return true;
  }
  if (name.substr(0, 9) == "MANIFEST-") {
    name.remove_prefix(9);
    uint64_t n;
    if (!ConsumeDecimal(&name, &n) || !name.empty()) return false;
    *number = n;
    *type = FileType::kDescriptor;
    return true;
  }
  uint64_t n;
  if (!ConsumeDecimal(&name, &n)) return false;
  if (name == ".log") {
    *type = FileType::kLog;
  } else if (name == ".sst") {
    *type = FileType::kTable;
  } else if (name == ".dbtmp") {
    *type = FileType::kTemp;
  } else {
    return false;
  }
  *number = n;
  return true;
}

absl::Status SetCurrentFile(Env* env, const std::string& dbname, uint64_t descriptor_number) {
  std::string manifest = DescriptorFileName(dbname, descriptor_number);
  manifest = manifest.substr(dbname.size() + 1);
  const std::string tmp = TempFileName(dbname, descriptor_number);
  // The MANIFEST's own directory entry is durable before CURRENT can name
  // it: a file system may persist the rename below before an earlier creation.
  absl::Status s = env->SyncDir(dbname);
  if (s.ok()) s = WriteStringToFile(env, manifest + "\n", tmp, /*sync=*/true);
  if (s.ok()) s = env->RenameFile(tmp, CurrentFileName(dbname));
  if (s.ok()) s = env->SyncDir(dbname);
  if (!s.ok()) env->RemoveFile(tmp).IgnoreError();
  return s;
}

absl::StatusOr<std::string> ReadCurrentFile(Env* env, const std::string& dbname) {
  std::string current;
  absl::Status s = ReadFileToString(env, CurrentFileName(dbname), &current);
  if (!s.ok()) return s;
  if (current.empty() || current.back() != '\n') {
    return absl::DataLossError(absl::StrFormat(
        "%s: CURRENT is %s (a crash while it was written?)", CurrentFileName(dbname),
        current.empty() ? "empty" : "missing its final newline"));
  }
  current.pop_back();
  uint64_t number;
  FileType type;
  if (!ParseFileName(current, &number, &type) || type != FileType::kDescriptor) {
    return absl::DataLossError(
        absl::StrFormat("%s: does not name a MANIFEST", CurrentFileName(dbname)));
  }
  return current;
}

}  // namespace lsm
