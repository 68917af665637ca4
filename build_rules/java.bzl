"""Java rules that work offline.

Bazel's native java_* rules need @remote_java_tools_linux (JavaBuilder, ijar,
singlejar), which cannot be downloaded on these machines. These rules run the
JDK's own `javac` and `jar` from @bazel_tools//tools/jdk:current_java_runtime.

  java_jar:     compiles sources into a jar; can embed native libraries as
                resources (under `native_prefix`) so the jar loads them itself.
  junit5_test:  compiles test sources against the jars and JUnit 5's API, and
                runs them with JUnit's console launcher under `bazel test`.
  java_main:    runs a main class from jars under `bazel run` (e.g. a benchmark).
"""

JarInfo = provider(
    doc = "A jar and the jars it needs at compile and run time.",
    fields = {
        "jar": "File: this target's jar",
        "transitive_jars": "depset of File: this jar and every jar it depends on",
    },
)

def _runtime(ctx):
    return ctx.attr._jdk[java_common.JavaRuntimeInfo]

def _dep_jars(deps):
    direct = []
    transitive = []
    for d in deps:
        if JarInfo in d:
            transitive.append(d[JarInfo].transitive_jars)
        else:
            direct.extend([f for f in d.files.to_list() if f.path.endswith(".jar")])
    return depset(direct, transitive = transitive)

def _compile(ctx, jar, srcs, classpath, resources, resource_prefix):
    """Declares the action that turns `srcs` (+ resources) into `jar`."""
    rt = _runtime(ctx)
    java_home = rt.java_home
    cp = ":".join([f.path for f in classpath.to_list()])
    cmds = [
        "set -e",
        "root=$PWD",
        "work=$(mktemp -d)",
        "trap 'rm -rf \"$work\"' EXIT",
        "mkdir -p \"$work/classes\"",
    ]
    if srcs:
        cmds.append(
            "{javac} -encoding UTF-8 -Xlint:all -Xlint:-serial -Werror -g --release 17 {cp} -d \"$work/classes\" {srcs}".format(
                javac = java_home + "/bin/javac",
                cp = ("-cp " + cp) if cp else "",
                srcs = " ".join([f.path for f in srcs]),
            ),
        )
    for r in resources:
        dest = "$work/classes/" + resource_prefix + "/" + r.basename
        cmds.append("mkdir -p \"$(dirname {d})\" && cp {src} {d}".format(d = dest, src = r.path))
    cmds.append("out=$PWD/{jar}".format(jar = jar.path))
    cmds.append("(cd \"$work/classes\" && \"$root/{jartool}\" --create --file \"$out\" --date=2000-01-01T00:00:00Z .)".format(
        jartool = java_home + "/bin/jar",
    ))
    ctx.actions.run_shell(
        inputs = depset(srcs + resources, transitive = [classpath, rt.files]),
        outputs = [jar],
        command = "\n".join(cmds),
        mnemonic = "JavaJar",
        progress_message = "Compiling Java into %s" % jar.short_path,
    )

def _java_jar_impl(ctx):
    jar = ctx.actions.declare_file(ctx.label.name + ".jar")
    classpath = _dep_jars(ctx.attr.deps)
    _compile(ctx, jar, ctx.files.srcs, classpath, ctx.files.native_libs, ctx.attr.native_prefix)
    return [
        DefaultInfo(files = depset([jar])),
        JarInfo(jar = jar, transitive_jars = depset([jar], transitive = [classpath])),
    ]

_JDK = attr.label(
    default = Label("@bazel_tools//tools/jdk:current_java_runtime"),
    providers = [java_common.JavaRuntimeInfo],
)

java_jar = rule(
    implementation = _java_jar_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".java"]),
        "deps": attr.label_list(),
        "native_libs": attr.label_list(allow_files = [".so"]),
        "native_prefix": attr.string(default = "native"),
        "_jdk": _JDK,
    },
)

def _junit5_test_impl(ctx):
    test_jar = ctx.actions.declare_file(ctx.label.name + "_tests.jar")
    classpath = _dep_jars(ctx.attr.deps)
    api = _dep_jars([ctx.attr._junit_api])
    _compile(ctx, test_jar, ctx.files.srcs, depset(transitive = [classpath, api]), [], "")

    rt = _runtime(ctx)
    console = ctx.file._junit_console
    run_cp = [test_jar] + classpath.to_list()
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    java_bin = rt.java_executable_runfiles_path if hasattr(rt, "java_executable_runfiles_path") else rt.java_home + "/bin/java"
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = """#!/usr/bin/env bash
set -euo pipefail
cd "${{TEST_SRCDIR:-$0.runfiles}}/{ws}"
java="{java}"
[[ -x "$java" ]] || java="{java_home}/bin/java"
exec "$java" {jvm_flags} -jar {console} --disable-banner --fail-if-no-tests \\
  --details=tree --disable-ansi-colors \\
  --reports-dir="${{TEST_UNDECLARED_OUTPUTS_DIR:-/tmp}}" \\
  --class-path {cp} --scan-class-path {test_jar} "$@"
""".format(
            ws = ctx.workspace_name,
            java = java_bin,
            java_home = rt.java_home,
            jvm_flags = " ".join(ctx.attr.jvm_flags),
            console = console.short_path,
            cp = ":".join([f.short_path for f in run_cp]),
            test_jar = test_jar.short_path,
        ),
    )
    runfiles = ctx.runfiles(files = run_cp + [console] + ctx.files.data, transitive_files = rt.files)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

junit5_test = rule(
    implementation = _junit5_test_impl,
    test = True,
    attrs = {
        "srcs": attr.label_list(allow_files = [".java"]),
        "deps": attr.label_list(),
        "data": attr.label_list(allow_files = True),
        "jvm_flags": attr.string_list(),
        "_jdk": _JDK,
        "_junit_api": attr.label(default = Label("@debian_java//:junit_api")),
        "_junit_console": attr.label(
            default = Label("@debian_java//:junit_console"),
            allow_single_file = True,
        ),
    },
)

def _java_main_impl(ctx):
    classpath = _dep_jars(ctx.attr.deps)
    rt = _runtime(ctx)
    run_cp = classpath.to_list()
    script = ctx.actions.declare_file(ctx.label.name)
    java_bin = rt.java_executable_runfiles_path if hasattr(rt, "java_executable_runfiles_path") else rt.java_home + "/bin/java"
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = """#!/usr/bin/env bash
set -euo pipefail
r="${{RUNFILES_DIR:-$0.runfiles}}/{ws}"
java="$r/{java}"
[[ -x "$java" ]] || java="$r/{java_home}/bin/java"
[[ -x "$java" ]] || java="$(command -v java)"
exec "$java" {jvm_flags} -cp {cp} {main_class} "$@"
""".format(
            ws = ctx.workspace_name,
            java = java_bin,
            java_home = rt.java_home,
            jvm_flags = " ".join(ctx.attr.jvm_flags),
            cp = ":".join(["\"$r/%s\"" % f.short_path for f in run_cp]),
            main_class = ctx.attr.main_class,
        ),
    )
    runfiles = ctx.runfiles(files = run_cp + ctx.files.data, transitive_files = rt.files)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

# Runs `main_class` from the jars of `deps` with the JDK's java (`bazel run`).
java_main = rule(
    implementation = _java_main_impl,
    executable = True,
    attrs = {
        "main_class": attr.string(mandatory = True),
        "deps": attr.label_list(),
        "data": attr.label_list(allow_files = True),
        "jvm_flags": attr.string_list(),
        "_jdk": _JDK,
    },
)
