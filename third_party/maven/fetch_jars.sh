#!/usr/bin/env bash
# Fetches the jars pom.xml lists with mvn into a cache and checks each against
# jars.sha256. Run by ../../bazelw; prints the directory holding the jars.
#
#   fetch_jars.sh CACHE_ROOT
#
# CACHE_ROOT/repository is the Maven local repository mvn downloads into;
# CACHE_ROOT/jars-KEY holds the jars (names without versions), KEY being a hash
# of pom.xml, jars.sha256 and this script, so any change fetches afresh.
set -euo pipefail

cache_root="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key="$(cat "$here/pom.xml" "$here/jars.sha256" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
out="$cache_root/jars-$key"
if [[ -f "$out/jars.sha256" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [[ -f "$out/jars.sha256" ]]; then
  echo "$out"
  exit 0
fi
work="$(mktemp -d "$cache_root/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "fetch_jars: fetching the jars of third_party/maven/pom.xml with mvn" >&2
mvn -B -q -Dstyle.color=never -f "$here/pom.xml" -Dmaven.repo.local="$cache_root/repository" \
  dependency:copy-dependencies -DoutputDirectory="$work/out" -Dmdep.stripVersion=true >&2
(cd "$work/out" && sha256sum -- *.jar) > "$work/actual.sha256"
if ! diff <(sort -k2 "$here/jars.sha256") <(sort -k2 "$work/actual.sha256") >&2; then
  echo "fetch_jars: the jars differ from third_party/maven/jars.sha256 (lines '<' expected, '>' fetched)" >&2
  exit 1
fi
cp "$here/jars.sha256" "$work/out/jars.sha256"
rm -rf "$out"
mv "$work/out" "$out"
echo "$out"
