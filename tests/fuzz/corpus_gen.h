// Seed corpora for the fuzz targets, cut from real files: a small DB is built
// in an in-memory Env (uncompressed, snappy and zstd tables), and its WAL,
// MANIFEST, WAL records, MANIFEST records, SSTs and SST blocks become seeds,
// each prefixed with the flag bytes its target expects.
//
// Used by make_corpus (which writes them to a directory for libFuzzer, see
// .ci/fuzz.sh) and by the *_fuzz_replay_test binaries (which run them
// directly), so the seeds always match the current formats.
//
// Thread safety: thread-compatible (no shared state).
#ifndef LSM_TESTS_FUZZ_CORPUS_GEN_H_
#define LSM_TESTS_FUZZ_CORPUS_GEN_H_

#include <string>
#include <string_view>
#include <vector>

namespace lsm::fuzz {

// The fuzz targets, by the name of their source file without "_fuzz.cc".
const std::vector<std::string>& FuzzTargetNames();

// The seeds for target (one of FuzzTargetNames()); empty for an unknown name.
std::vector<std::string> SeedCorpus(std::string_view target);

}  // namespace lsm::fuzz

#endif  // LSM_TESTS_FUZZ_CORPUS_GEN_H_
