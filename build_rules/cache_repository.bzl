"""A repository over a directory that ./bazelw fills outside the checkout.

./bazelw builds or downloads files into a cache under ~/.cache (PIC static
archives for the JNI library, jars fetched with mvn) and names the directory in
.bazelrc.user with --repo_env. This rule links each file of that directory into
the repository (as `files/NAME`) and adds the given BUILD file, so Bazel tracks
the files' contents like any other input. The directory's name carries a hash
of what produced it: a change makes a new directory, and Bazel refetches.
"""

def _cache_repository_impl(rctx):
    path = rctx.os.environ.get(rctx.attr.env, "")
    if not path:
        fail("%s is not set: run Bazel through ./bazelw, which fills the cache and sets it" % rctx.attr.env)
    directory = rctx.path(path)
    if not directory.exists:
        fail("%s=%s does not exist: run ./bazelw again to fill it" % (rctx.attr.env, path))
    for f in directory.readdir():
        rctx.symlink(f, "files/" + f.basename)
    rctx.symlink(rctx.attr.build_file, "BUILD.bazel")

cache_repository = repository_rule(
    implementation = _cache_repository_impl,
    attrs = {
        "env": attr.string(mandatory = True, doc = "the variable that names the directory"),
        "build_file": attr.label(mandatory = True, allow_single_file = True),
    },
    environ = ["LSM_NATIVE_DEPS", "LSM_MAVEN_JARS"],
    local = True,
)
