// CreateCheckpoint: a consistent copy of a live DB in a new directory.
//
// 1. Flush: every write acknowledged before the call is in a table.
// 2. Take the current Version. Holding it keeps its tables from being deleted
//    (VersionSet::LiveFiles) while flushes and compactions go on.
// 3. Hard-link (or copy) its tables into the new directory, write a MANIFEST
//    holding exactly that Version, and point CURRENT at it (synced, as every
//    MANIFEST is). The checkpoint has no log.
//
// Flushes write whole memtables in sequence order, so the Version's tables
// hold every write up to the largest sequence number in them and nothing
// newer: the checkpoint is the DB as of that one sequence number.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/db/db_impl.h"
#include "engine/db/filename.h"
#include "engine/wal/log_writer.h"

namespace lsm {

namespace {

// A table's second name in the checkpoint, or a synced copy where the file
// system cannot link.
absl::Status LinkOrCopy(Env* env, const std::string& from, const std::string& to) {
  absl::Status s = env->LinkFile(from, to);
  if (!absl::IsUnimplemented(s)) return s;
  std::string data;
  s = ReadFileToString(env, from, &data);
  if (s.ok()) s = WriteStringToFile(env, data, to, /*sync=*/true);
  return s;
}

// Writes the MANIFEST and CURRENT of a checkpoint of version v into dir,
// after its tables are in place.
absl::Status WriteCheckpointManifest(Env* env, const std::string& dir, const Version& v,
                                     SequenceNumber sequence, uint64_t manifest_number) {
  VersionEdit snapshot;
  snapshot.SetLogNumber(0);  // no log: every write is in the tables
  snapshot.SetNextFileNumber(manifest_number + 1);
  snapshot.SetLastSequence(sequence);
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : v.files(level)) snapshot.AddFile(level, *f);
  }
  std::string record;
  snapshot.EncodeTo(&record);
  auto file = env->NewWritableFile(DescriptorFileName(dir, manifest_number));
  if (!file.ok()) return file.status();
  log::Writer writer(file->get());
  absl::Status s = writer.AddRecord(record);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = SetCurrentFile(env, dir, manifest_number);
  return s;
}

}  // namespace

absl::Status DBImpl::CreateCheckpoint(const std::string& dir) {
  Env* const env = options_.env;
  if (dir.empty()) return absl::InvalidArgumentError("CreateCheckpoint: directory is empty");
  if (env->FileExists(dir)) {
    return absl::AlreadyExistsError(
        absl::StrCat(dir, ": exists; a checkpoint is written into a new directory"));
  }
  absl::Status s = Flush();
  if (!s.ok()) return s;
  std::shared_ptr<const Version> version;
  {
    MutexLock l(&mutex_);
    version = versions_->current();
  }
  SequenceNumber sequence = 0;
  uint64_t max_number = 0;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : version->files(level)) {
      sequence = std::max(sequence, f->largest_seq);
      max_number = std::max(max_number, f->number);
    }
  }

  s = env->CreateDir(dir);
  for (int level = 0; level < kNumLevels && s.ok(); ++level) {
    for (const auto& f : version->files(level)) {
      s = LinkOrCopy(env, TableFileName(dbname_, f->number), TableFileName(dir, f->number));
      if (!s.ok()) break;
    }
  }
  if (s.ok()) s = WriteCheckpointManifest(env, dir, *version, sequence, max_number + 1);
  if (!s.ok()) {
    // Nothing half-made is left behind: the next attempt can use dir again.
    auto children = env->GetChildren(dir);
    if (children.ok()) {
      for (const std::string& name : *children) env->RemoveFile(dir + "/" + name).IgnoreError();
    }
    env->RemoveDir(dir).IgnoreError();
    return absl::Status(s.code(), absl::StrCat("checkpoint into ", dir, ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace lsm
