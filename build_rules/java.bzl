"""Java rules that work offline.

Bazel's native java_* rules need @remote_java_tools_linux (JavaBuilder, ijar,
singlejar), which cannot be downloaded on these machines. These rules run the
JDK's own `javac` and `jar` from @bazel_tools//tools/jdk:current_java_runtime.

  java_jar:     compiles sources into a jar; can embed native libraries as
                resources (under `native_prefix`, each with its CRC-32 and size
                in NAME.crc32) so the jar loads them itself; manifest entries.
  maven_artifact: a jar's Maven artifact: the jar, a POM, a sources jar and a
                javadoc jar (javadoc with every doclint check, warnings fail).
  junit5_test:  compiles test sources against the jars and JUnit 5's API, and
                runs them with JUnit's console launcher under `bazel test`.
  java_main:    runs a main class from jars under `bazel run` (e.g. a benchmark).

java_jar and junit5_test take extra javac options in `javacopts` (e.g.
-proc:none when a jar on the class path carries an annotation processor).
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

def _compile(ctx, jar, srcs, classpath, resources, resource_prefix, manifest_entries = {}, javacopts = []):
    """Declares the action that turns `srcs` (+ resources) into `jar`.

    Each resource is copied under `resource_prefix`, with its CRC-32 and size in
    a file of the same name plus ".crc32" beside it.
    """
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
            "mkdir -p \"$work/gen\" && {javac} -encoding UTF-8 -Xlint:all -Xlint:-serial -Werror -g --release 17 {opts}{cp} -d \"$work/classes\" -s \"$work/gen\" {srcs}".format(
                javac = java_home + "/bin/javac",
                opts = "".join([o + " " for o in javacopts]),
                cp = ("-cp " + cp) if cp else "",
                srcs = " ".join([f.path for f in srcs]),
            ),
        )
    for r in resources:
        dest = "$work/classes/" + resource_prefix + "/" + r.basename
        cmds.append("mkdir -p \"$(dirname {d})\" && cp {src} {d}".format(d = dest, src = r.path))
        # "CRC SIZE": the CRC-32 (as zip and gzip compute it, from gzip's trailer) in hex and the
        # size in bytes, so a loader can check the extracted copy cheaply before loading it.
        cmds.append("echo \"$(gzip -c {src} | tail -c8 | od -An -N4 --endian=little -tx4 | tr -d ' ') $(stat -L -c %s {src})\" > {d}.crc32".format(d = dest, src = r.path))
    manifest = ""
    if manifest_entries:
        cmds.append("cat > \"$work/MANIFEST.MF\" <<'EOF'\n{}\nEOF".format(
            "\n".join(["%s: %s" % (k, v) for k, v in sorted(manifest_entries.items())]),
        ))
        manifest = "--manifest=\"$work/MANIFEST.MF\" "
    cmds.append("out=$PWD/{jar}".format(jar = jar.path))
    cmds.append("(cd \"$work/classes\" && \"$root/{jartool}\" --create --file \"$out\" {manifest}--date=2000-01-01T00:00:00Z .)".format(
        jartool = java_home + "/bin/jar",
        manifest = manifest,
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
    _compile(ctx, jar, ctx.files.srcs, classpath, ctx.files.native_libs, ctx.attr.native_prefix, ctx.attr.manifest_entries, ctx.attr.javacopts)
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
        "manifest_entries": attr.string_dict(doc = "extra lines of META-INF/MANIFEST.MF"),
        "javacopts": attr.string_list(doc = "extra javac options, e.g. -proc:none when a jar on the class path carries an annotation processor that must not run"),
        "_jdk": _JDK,
    },
)

def _maven_artifact_impl(ctx):
    rt = _runtime(ctx)
    base = "%s-%s" % (ctx.attr.artifact_id, ctx.attr.version)
    jar = ctx.actions.declare_file(base + ".jar")
    pom = ctx.actions.declare_file(base + ".pom")
    sources = ctx.actions.declare_file(base + "-sources.jar")
    javadoc = ctx.actions.declare_file(base + "-javadoc.jar")

    ctx.actions.symlink(output = jar, target_file = ctx.attr.jar[JarInfo].jar)
    ctx.actions.expand_template(
        template = ctx.file.pom_template,
        output = pom,
        substitutions = {
            "{group_id}": ctx.attr.group_id,
            "{artifact_id}": ctx.attr.artifact_id,
            "{version}": ctx.attr.version,
        },
    )

    # Sources under their package path: the part of each path after strip_prefix.
    copies = []
    for f in ctx.files.srcs:
        if not f.short_path.startswith(ctx.attr.strip_prefix):
            fail("%s is not under strip_prefix %s" % (f.short_path, ctx.attr.strip_prefix))
        rel = f.short_path[len(ctx.attr.strip_prefix):]
        copies.append("mkdir -p \"$work/src/$(dirname {rel})\" && cp {src} \"$work/src/{rel}\"".format(rel = rel, src = f.path))
    jartool = rt.java_home + "/bin/jar"
    classpath = _dep_jars(ctx.attr.deps)
    ctx.actions.run_shell(
        inputs = depset(ctx.files.srcs, transitive = [rt.files, classpath]),
        outputs = [sources, javadoc],
        command = "\n".join([
            "set -e",
            "root=$PWD",
            "work=$(mktemp -d)",
            "trap 'rm -rf \"$work\"' EXIT",
        ] + copies + [
            "(cd \"$work/src\" && \"$root/{jar}\" --create --file \"$root/{out}\" --date=2000-01-01T00:00:00Z .)".format(jar = jartool, out = sources.path),
            # Every doclint group, and any warning fails the build.
            "{javadoc} -quiet -Xdoclint:all -Werror --release 17 -encoding UTF-8 -notimestamp {cp}-d \"$work/doc\" {title} $(cd \"$work/src\" && find . -name '*.java' | sort | sed \"s|^|$work/src/|\")".format(
                javadoc = rt.java_home + "/bin/javadoc",
                cp = ("-cp " + ":".join(["\"$root/%s\"" % f.path for f in classpath.to_list()]) + " ") if classpath.to_list() else "",
                title = "-doctitle '%s %s' -windowtitle '%s %s'" % (ctx.attr.title, ctx.attr.version, ctx.attr.title, ctx.attr.version),
            ),
            "(cd \"$work/doc\" && \"$root/{jar}\" --create --file \"$root/{out}\" --date=2000-01-01T00:00:00Z .)".format(jar = jartool, out = javadoc.path),
        ]),
        mnemonic = "MavenArtifact",
        progress_message = "Building the sources and javadoc jars of %s" % base,
    )
    outputs = [jar, pom, sources, javadoc]
    return [DefaultInfo(files = depset(outputs), runfiles = ctx.runfiles(files = outputs))]

# A Maven artifact of a java_jar: ARTIFACT-VERSION.jar (the jar itself), .pom
# (pom_template with {group_id}, {artifact_id}, {version} filled in),
# -sources.jar and -javadoc.jar.
maven_artifact = rule(
    implementation = _maven_artifact_impl,
    attrs = {
        "jar": attr.label(mandatory = True, providers = [JarInfo]),
        "srcs": attr.label_list(allow_files = [".java"], doc = "the sources to publish and document"),
        "strip_prefix": attr.string(doc = "the part of a source's workspace path before its package directories"),
        "group_id": attr.string(mandatory = True),
        "artifact_id": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "title": attr.string(mandatory = True, doc = "the javadoc title, before the version"),
        "pom_template": attr.label(mandatory = True, allow_single_file = True),
        "deps": attr.label_list(doc = "the jars javadoc resolves the sources' imports against"),
        "_jdk": _JDK,
    },
)

def _junit5_test_impl(ctx):
    test_jar = ctx.actions.declare_file(ctx.label.name + "_tests.jar")
    classpath = _dep_jars(ctx.attr.deps)
    api = _dep_jars([ctx.attr._junit_api])
    _compile(ctx, test_jar, ctx.files.srcs, depset(transitive = [classpath, api]), [], "", javacopts = ctx.attr.javacopts)

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
        "javacopts": attr.string_list(doc = "extra javac options, e.g. -proc:none when a jar on the class path carries an annotation processor that must not run"),
        "_jdk": _JDK,
        "_junit_api": attr.label(default = Label("@maven//:junit_console")),
        "_junit_console": attr.label(
            default = Label("@maven//:junit_console"),
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
