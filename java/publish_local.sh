#!/usr/bin/env bash
# Installs the Maven artifact into a local Maven repository folder, laid out as
# `mvn install` lays it out: REPO/GROUP-AS-PATH/ARTIFACT/VERSION/ARTIFACT-VERSION{.jar,.pom,
# -sources.jar,-javadoc.jar}.
#
#   bazel run //java:publish_local [-- REPO]     REPO defaults to ~/.m2/repository
#
# The BUILD rule passes GROUP ARTIFACT VERSION and the artifact's four files first.
set -euo pipefail

group="$1" artifact="$2" version="$3"
shift 3
files=("$1" "$2" "$3" "$4")
shift 4
repo="${1:-$HOME/.m2/repository}"
# Under `bazel run` the working directory is the runfiles tree: a relative REPO
# means relative to where the command was typed.
if [[ "$repo" != /* ]]; then
  repo="${BUILD_WORKING_DIRECTORY:-$PWD}/$repo"
fi

dir="$repo/${group//.//}/$artifact/$version"
mkdir -p "$dir"
for f in "${files[@]}"; do
  name="$(basename "$f")"
  case "$name" in
    "$artifact-$version.jar" | "$artifact-$version.pom" | \
      "$artifact-$version-sources.jar" | "$artifact-$version-javadoc.jar") ;;
    *) echo "publish_local: unexpected file $name" >&2; exit 2 ;;
  esac
  cp -f "$f" "$dir/$name"
  chmod 644 "$dir/$name"
done
# A copy fetched earlier from a remote repository is replaced: mark it as local.
rm -f "$dir/_remote.repositories"
echo "installed $group:$artifact:$version into $repo"
