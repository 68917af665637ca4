#!/usr/bin/env bash
# Installs io.lsmstore:lsmstore into a temporary local Maven repository and runs
# `mvn verify` on a copy of this example, so the packaging cannot rot.
#
#   maven_example_test.sh VERSION PUBLISH_LOCAL ARTIFACT_FILES...
#
# The local repository starts as a copy of the shared one ./bazelw keeps
# (LSM_MAVEN_REPO, under ~/.cache). Once a run of this pom.xml has passed, the
# plugins and JUnit it needs are in the shared repository and later runs are
# offline (mvn -o): a missing piece fails instead of being downloaded. The first
# run (or the first after pom.xml changes) downloads them with mvn, then copies
# them into the shared repository (never the lsmstore artifact itself).
set -euo pipefail

version="$1" publish="$2"
shift 2
example=examples/maven
work="${TEST_TMPDIR:?}"
repo="$work/repository"
shared="${LSM_MAVEN_REPO:-}"
export HOME="${HOME:-$work}"

fail() { echo "maven_example_test: $*" >&2; exit 1; }

# The example depends on the version this build makes.
grep -q "<lsmstore.version>$version</lsmstore.version>" "$example/pom.xml" \
  || fail "$example/pom.xml does not name lsmstore version $version (java/version.bzl)"

mkdir -p "$repo"
if [[ -n "$shared" && -d "$shared" ]]; then
  cp -a "$shared/." "$repo/"
fi
rm -rf "$repo/io/lsmstore"
"$publish" io.lsmstore lsmstore "$version" "$@" "$repo"

cp -rL "$example" "$work/example"
cd "$work/example"
rm -rf target

marker=""
offline=()
if [[ -n "$shared" ]]; then
  marker="$shared/.lsmstore-example-$(sha256sum pom.xml | cut -c1-16)"
  [[ -f "$marker" ]] && offline=(-o)
fi
echo "mvn ${offline[*]} verify (local repository $repo)"
mvn -B -q -Dstyle.color=never "${offline[@]}" -Dmaven.repo.local="$repo" verify \
  || fail "mvn verify failed"

# The test class ran, and passed: surefire's report counts its tests.
report=target/surefire-reports/TEST-example.InventoryTest.xml
[[ -f "$report" ]] || fail "no surefire report: no test ran"
grep -qE '<testsuite [^>]*tests="2"' "$report" || fail "expected 2 tests in $report"
grep -qE '<testsuite [^>]*failures="0"' "$report" || fail "failures in $report"
grep -qE '<testsuite [^>]*errors="0"' "$report" || fail "errors in $report"
[[ -f "target/lsmstore-maven-example-1.0.jar" ]] || fail "the example's jar was not built"

if ((${#offline[@]} == 0)) && [[ -n "$marker" ]]; then
  mkdir -p "$shared"
  (
    flock 9
    rm -rf "$repo/io/lsmstore"
    cp -an "$repo/." "$shared/"
    touch "$marker"
  ) 9>"$shared/.lock"
fi
echo "PASS: mvn verify of $example against io.lsmstore:lsmstore:$version"
