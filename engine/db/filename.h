// The files of a DB directory and their names (see FORMAT.md):
//
//   CURRENT            name of the live MANIFEST, one line
//   LOCK               flock'ed by the process that has the DB open
//   MANIFEST-NNNNNN    VersionEdit records (WAL framing)
//   NNNNNN.log         write-ahead log
//   NNNNNN.sst         sorted table
//   NNNNNN.dbtmp       temporary (CURRENT being replaced)
//   LOG                human-readable info log
#ifndef LSM_ENGINE_DB_FILENAME_H_
#define LSM_ENGINE_DB_FILENAME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lsm/env.h"

namespace lsm {

enum class FileType { kLog, kTable, kDescriptor, kCurrent, kLock, kTemp, kInfoLog };

std::string LogFileName(const std::string& dbname, uint64_t number);
std::string TableFileName(const std::string& dbname, uint64_t number);
std::string DescriptorFileName(const std::string& dbname, uint64_t number);
std::string CurrentFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string TempFileName(const std::string& dbname, uint64_t number);
std::string InfoLogFileName(const std::string& dbname);

// Parses a file name (not a path). False for names that are not the DB's.
bool ParseFileName(std::string_view name, uint64_t* number, FileType* type);

// Points CURRENT at MANIFEST-<descriptor_number>, which must be synced:
// syncs the directory (so the MANIFEST's entry is durable first), writes a
// temp file, syncs it, renames it over CURRENT, then syncs the directory.
absl::Status SetCurrentFile(Env* env, const std::string& dbname, uint64_t descriptor_number);

// Reads CURRENT and returns the MANIFEST's file name (without the directory).
// DataLoss when CURRENT is empty, lacks its newline, or names something else.
absl::StatusOr<std::string> ReadCurrentFile(Env* env, const std::string& dbname);

}  // namespace lsm

#endif  // LSM_ENGINE_DB_FILENAME_H_
