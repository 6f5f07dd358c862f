#!/usr/bin/env python3
"""Static checks of the deployment examples (no container engine runs in the test suite).

    check_examples.py dockerfile examples/alpine/Dockerfile examples/kubernetes/Dockerfile
    check_examples.py kubernetes examples/kubernetes/*.yaml

dockerfile: every instruction is a Dockerfile keyword with well-formed arguments (FROM, COPY
--from, JSON forms, ENV pairs). An image whose final stage is alpine:3.17: a Rust-on-Alpine
build stage runs `cargo rustc ... -p dnsshim --lib`; the final stage copies the built library
from that stage and sets LD_PRELOAD to exactly the copied path. An image whose final stage is
`scratch` (the init-container image): a Rust build stage runs `make cli`; the final stage only
copies the static command from it and runs that file (ENTRYPOINT, JSON form).

kubernetes: every file parses as YAML; every document has apiVersion, kind, metadata.name; in
each pod template an init container copies a file into an emptyDir volume (`cp ... DEST`), or
installs the layout there (`dnsshim install DIR`: DIR/$LIB/libdnsshim.so.0 and the glibc
copies), and every application container that mounts that volume sets LD_PRELOAD to an
installed file as seen through its own mount (`$LIB`: the musl directory and every glibc one).
A MutatingAdmissionPolicy: every CEL expression parses (cel-python, which `make deps` puts in
target/tools/cel); it matches pod CREATE; its mutation adds the volume, an init container
running `dnsshim install DIR` with DIR mounted, and LD_PRELOAD = DIR/$LIB/libdnsshim.so.0 with
the volume mounted at DIR in the containers. A MutatingAdmissionPolicyBinding names a policy
of these files and selects namespaces.

Prints one line per problem and exits 1 if there is any; exits 0 silently otherwise.
"""
import json
import os
import posixpath
import re
import shlex
import sys

SONAME = "libdnsshim.so.0"
# Where `dnsshim install DIR` puts the builds, relative to DIR: the musl build under a directory
# literally named $LIB, the glibc build in the directories glibc's loader expands $LIB to.
LAYOUT_MUSL = "$LIB/" + SONAME
LAYOUT_GLIBC_DIRS = ("lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu", "lib64", "lib")

KEYWORDS = {
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
    "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
    "HEALTHCHECK", "SHELL",
}
JSON_FORMS = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "VOLUME", "COPY", "ADD"}


def dockerfile_instructions(text, problems):
    """(line number, keyword, arguments) per instruction; continuations joined."""
    out = []
    lines = text.split("\n")
    i = 0
    directives_allowed = True
    while i < len(lines):
        line = lines[i]
        start = i + 1
        i += 1
        stripped = line.strip()
        if not stripped:
            directives_allowed = False
            continue
        if stripped.startswith("#"):
            if directives_allowed and re.match(r"#\s*\w+\s*=", stripped):
                continue
            directives_allowed = False
            continue
        directives_allowed = False
        logical = line
        while logical.rstrip().endswith("\\"):
            logical = logical.rstrip()[:-1]
            while i < len(lines) and lines[i].strip().startswith("#"):
                i += 1  # comment lines inside a continuation are dropped
            if i >= len(lines):
                problems.append(f"line {start}: continuation at end of file")
                break
            logical += " " + lines[i]
            i += 1
        parts = logical.strip().split(None, 1)
        keyword = parts[0]
        args = parts[1] if len(parts) > 1 else ""
        if keyword.upper() not in KEYWORDS:
            problems.append(f"line {start}: unknown instruction {keyword!r}")
        elif not args:
            problems.append(f"line {start}: {keyword} without arguments")
        out.append((start, keyword.upper(), args))
    return out


def flags(args):
    """Leading --flag=value words, and the rest."""
    words = shlex.split(args)
    fl = {}
    while words and words[0].startswith("--"):
        k, _, v = words.pop(0)[2:].partition("=")
        fl[k] = v
    return fl, words


def check_dockerfile(path):
    problems = []
    with open(path) as f:
        text = f.read()
    instrs = dockerfile_instructions(text, problems)
    stages = []  # dicts: image, name, instrs
    for n, (line, kw, args) in enumerate(instrs):
        if kw == "FROM":
            fl, words = flags(args)
            if len(words) == 3 and words[1].upper() == "AS":
                stages.append({"image": words[0], "name": words[2], "instrs": []})
            elif len(words) == 1:
                stages.append({"image": words[0], "name": None, "instrs": []})
            else:
                problems.append(f"line {line}: FROM IMAGE [AS NAME], not {args!r}")
            continue
        if not stages and kw != "ARG":
            problems.append(f"line {line}: {kw} before the first FROM")
            continue
        if kw in JSON_FORMS and args.lstrip().startswith("["):
            try:
                v = json.loads(args)
                if not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                    raise ValueError("not a list of strings")
            except ValueError as e:
                problems.append(f"line {line}: {kw} JSON form does not parse: {e}")
        if kw in ("COPY", "ADD"):
            fl, words = flags(args)
            if len(words) < 2:
                problems.append(f"line {line}: {kw} needs a source and a destination")
            src = fl.get("from")
            if src is not None:
                names = [s["name"] for s in stages[:-1]]
                if src not in names and not (src.isdigit() and int(src) < len(stages) - 1):
                    if "/" not in src and ":" not in src:
                        problems.append(f"line {line}: COPY --from={src}: no earlier stage of that name")
        if kw == "ENV":
            try:
                words = shlex.split(args)
            except ValueError as e:
                problems.append(f"line {line}: ENV does not parse: {e}")
                words = []
            if words and "=" in words[0]:
                for w in words:
                    if "=" not in w or not w.split("=", 1)[0]:
                        problems.append(f"line {line}: ENV {w!r} is not KEY=VALUE")
        if stages:
            stages[-1]["instrs"].append((line, kw, args))

    if len(stages) < 2:
        problems.append("want a build stage and a runtime stage")
        return problems
    if stages[-1]["image"] == "scratch":
        return problems + check_init_image(stages)
    build = [s for s in stages[:-1] if "rust" in s["image"] and "alpine" in s["image"]]
    if not build:
        problems.append("no Rust-on-Alpine build stage (FROM rust:...-alpine AS ...)")
        return problems
    build = build[0]
    runs = " ".join(a for _, k, a in build["instrs"] if k == "RUN")
    for want in ("cargo rustc", "-p dnsshim", "--lib", "--crate-type cdylib", "--release"):
        if want not in runs:
            problems.append(f"the build stage never runs {want!r}")
    final = stages[-1]
    if final["image"] != "alpine:3.17":
        problems.append(f"the runtime stage is {final['image']!r}, not alpine:3.17")
    copied = []
    for line, kw, args in final["instrs"]:
        if kw == "COPY":
            fl, words = flags(args)
            if fl.get("from") == build["name"] and len(words) == 2:
                copied.append(words[1])
    preload = None
    for line, kw, args in final["instrs"]:
        if kw == "ENV":
            words = shlex.split(args)
            if words and "=" in words[0]:
                for w in words:
                    k, _, v = w.partition("=")
                    if k == "LD_PRELOAD":
                        preload = v
            elif len(words) >= 2 and words[0] == "LD_PRELOAD":
                preload = " ".join(words[1:])
    if preload is None:
        problems.append("the runtime stage does not set ENV LD_PRELOAD")
    elif preload not in copied:
        problems.append(f"LD_PRELOAD={preload} is not a file copied from the build stage ({copied})")
    return problems


def check_init_image(stages):
    """The init-container image: FROM scratch, the static command from a `make cli` stage."""
    problems = []
    build = [s for s in stages[:-1] if s["image"].startswith("rust:") and s["name"]]
    if not build:
        return ["no named Rust build stage (FROM rust:... AS NAME)"]
    build = build[0]
    runs = " ".join(a for _, k, a in build["instrs"] if k == "RUN")
    if not re.search(r"\bmake\b[^&;|]*\bcli\b", runs):
        problems.append("the build stage never runs `make cli`")
    final = stages[-1]
    copied = []
    for line, kw, args in final["instrs"]:
        if kw == "COPY":
            fl, words = flags(args)
            if fl.get("from") != build["name"] or len(words) != 2:
                problems.append(f"line {line}: the scratch stage copies only from {build['name']}")
            else:
                copied.append(words[1])
        elif kw == "RUN":
            problems.append(f"line {line}: RUN in a scratch stage: there is no shell")
    entry = [a for _, k, a in final["instrs"] if k == "ENTRYPOINT"]
    if len(entry) != 1:
        problems.append("the scratch stage needs one ENTRYPOINT")
    else:
        try:
            argv = json.loads(entry[0])
        except ValueError:
            argv = None
        if not isinstance(argv, list) or not argv:
            problems.append("ENTRYPOINT must be the JSON form (no shell in scratch)")
        elif argv[0] not in copied:
            problems.append(f"ENTRYPOINT {argv[0]} is not a file copied from the build stage ({copied})")
    return problems


def installs(argv, mount_path):
    """Paths (relative to mount_path) an init container's command writes, or None."""
    if not argv:
        return None
    if posixpath.basename(argv[0]) == "dnsshim" and "install" in argv:
        rest = [a for a in argv[argv.index("install") + 1:] if not a.startswith("-")]
        if len(rest) != 1 or posixpath.normpath(rest[0]) != mount_path:
            return None
        return {LAYOUT_MUSL} | {f"{d}/{SONAME}" for d in LAYOUT_GLIBC_DIRS}
    dest = argv[-1]
    if dest.startswith(mount_path + "/"):
        return {dest[len(mount_path) + 1:]}
    return None


def preload_targets(entry):
    """The files an LD_PRELOAD entry can name: with $LIB, musl's literal path and glibc's."""
    if "$LIB" not in entry and "${LIB}" not in entry:
        return [posixpath.normpath(entry)]
    e = entry.replace("${LIB}", "$LIB")
    out = [posixpath.normpath(e)]
    out += [posixpath.normpath(e.replace("$LIB", d)) for d in ("lib64", "lib")]
    return out


def pod_specs(doc):
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return [spec]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return [((spec.get("template") or {}).get("spec")) or {}]
    if kind == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        return [((job.get("template") or {}).get("spec")) or {}]
    return []


def check_pod(where, spec):
    problems = []
    volumes = {v.get("name"): v for v in spec.get("volumes") or []}
    empty = {n for n, v in volumes.items() if "emptyDir" in v}
    inits = spec.get("initContainers") or []
    apps = spec.get("containers") or []
    if not apps:
        problems.append(f"{where}: no containers")
    names = [c.get("name") for c in inits + apps]
    if len(set(names)) != len(names) or None in names:
        problems.append(f"{where}: container names missing or not unique: {names}")
    for c in inits + apps:
        if not c.get("image"):
            problems.append(f"{where}: container {c.get('name')} has no image")
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in volumes:
                problems.append(f"{where}: {c.get('name')} mounts unknown volume {m.get('name')}")
            if not str(m.get("mountPath", "")).startswith("/"):
                problems.append(f"{where}: {c.get('name')} mountPath must be absolute")
    # Files the init containers put into emptyDir volumes: (volume, path inside the volume).
    installed = set()
    for c in inits:
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        for m in c.get("volumeMounts") or []:
            mp = m.get("mountPath", "").rstrip("/")
            if m.get("name") in empty:
                for rel in installs(argv, mp) or ():
                    installed.add((m["name"], rel))
    if not installed:
        problems.append(f"{where}: no init container copies a file into an emptyDir volume")
    preloading = 0
    for c in apps:
        env = {e.get("name"): e.get("value") for e in c.get("env") or []}
        mounts = {m.get("name"): m.get("mountPath", "").rstrip("/") for m in c.get("volumeMounts") or []}
        uses = [v for v, _ in installed if v in mounts]
        if not uses:
            continue
        preload = env.get("LD_PRELOAD")
        if not preload:
            problems.append(f"{where}: {c.get('name')} mounts the library volume but sets no LD_PRELOAD")
            continue
        ok = False
        for entry in re.split(r"[: ]+", preload):
            targets = preload_targets(entry)
            files = {posixpath.join(mounts[v], rel) for v, rel in installed if v in mounts}
            if targets and all(t in files for t in targets):
                ok = True
        if not ok:
            problems.append(f"{where}: {c.get('name')} LD_PRELOAD={preload} is not the file the init container copies")
        else:
            preloading += 1
    if installed and not preloading:
        problems.append(f"{where}: no application container preloads the library")
    return problems


def check_kubernetes(paths):
    import yaml  # python3-yaml; `make deps` installs it

    problems = []
    pods = 0
    policies = set()
    bindings = []
    for path in paths:
        try:
            with open(path) as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            problems.append(f"{path}: YAML does not parse: {e}")
            continue
        for i, doc in enumerate(docs):
            where = f"{path}[{i}]"
            if not isinstance(doc, dict):
                problems.append(f"{where}: not a mapping")
                continue
            for key in ("apiVersion", "kind"):
                if not isinstance(doc.get(key), str):
                    problems.append(f"{where}: no {key}")
            if not (doc.get("metadata") or {}).get("name"):
                problems.append(f"{where}: no metadata.name")
            if doc.get("kind") == "Deployment":
                spec = doc.get("spec") or {}
                sel = (spec.get("selector") or {}).get("matchLabels") or {}
                labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
                if not sel or any(labels.get(k) != v for k, v in sel.items()):
                    problems.append(f"{where}: selector.matchLabels do not match the template's labels")
            for spec in pod_specs(doc):
                pods += 1
                problems += check_pod(where, spec)
            if doc.get("kind") == "MutatingAdmissionPolicy":
                policies.add((doc.get("metadata") or {}).get("name"))
                pods += 1
                problems += check_policy(where, doc)
            if doc.get("kind") == "MutatingAdmissionPolicyBinding":
                bindings.append((where, doc))
    for where, doc in bindings:
        spec = doc.get("spec") or {}
        if spec.get("policyName") not in policies:
            problems.append(f"{where}: policyName {spec.get('policyName')!r} is no policy in these files")
        sel = (spec.get("matchResources") or {}).get("namespaceSelector") or {}
        if not (sel.get("matchLabels") or sel.get("matchExpressions")):
            problems.append(f"{where}: no matchResources.namespaceSelector: it would apply to every namespace")
    if not pods:
        problems.append("no pod template in " + " ".join(paths))
    return problems


def cel_parser():
    """cel-python's parser: from target/tools/cel (make deps) or the interpreter's own path."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.environ.get("DNSSHIM_CEL_DIR", os.path.join(root, "target/tools/cel")))
    try:
        from celpy import celparser
    except ImportError as e:
        raise SystemExit(f"cel-python is not importable ({e}): `make deps` installs it into target/tools/cel")
    return celparser.CELParser()


def cel_strings(expr):
    """The string literals of a CEL expression ('...' or "..."), in order."""
    return [m.group(2) for m in re.finditer(r"(['\"])((?:\\.|(?!\1).)*)\1", expr)]


def check_policy(where, doc):
    """A MutatingAdmissionPolicy that injects the init container, the volume and LD_PRELOAD."""
    problems = []
    spec = doc.get("spec") or {}
    parser = cel_parser()
    exprs = []
    for c in spec.get("matchConditions") or []:
        exprs.append((f"matchConditions {c.get('name')}", c.get("expression")))
    muts = spec.get("mutations") or []
    if not muts:
        problems.append(f"{where}: no mutations")
    for i, m in enumerate(muts):
        kind = m.get("patchType")
        body = {"ApplyConfiguration": "applyConfiguration", "JSONPatch": "jsonPatch"}.get(kind)
        if not body:
            problems.append(f"{where}: mutation {i}: patchType {kind!r}")
            continue
        exprs.append((f"mutation {i}", (m.get(body) or {}).get("expression")))
    for what, e in exprs:
        if not isinstance(e, str) or not e.strip():
            problems.append(f"{where}: {what}: no CEL expression")
            continue
        try:
            parser.parse(e)
        except Exception as ex:  # celpy raises its own CELParseError
            first = str(ex).strip().split("\n")[0]
            problems.append(f"{where}: {what}: CEL does not parse: {first}")
    rules = (spec.get("matchConstraints") or {}).get("resourceRules") or []
    if not any("pods" in (r.get("resources") or []) and "CREATE" in (r.get("operations") or [])
               for r in rules):
        problems.append(f"{where}: matchConstraints do not match pod CREATE")
    # What the mutation writes: the install command's DIR, the mount paths, the LD_PRELOAD value.
    strings = [s for m in muts for s in cel_strings(str(((m.get("applyConfiguration") or m.get("jsonPatch") or {}).get("expression")) or ""))]
    if "dnsshim" not in " ".join(posixpath.basename(s) for s in strings) or "install" not in strings:
        problems.append(f"{where}: the mutation adds no init container running `dnsshim install DIR`")
        return problems
    k = strings.index("install")
    target = posixpath.normpath(strings[k + 1]) if k + 1 < len(strings) else ""
    preload = [s for s in strings if s.endswith("/" + SONAME)]
    if not preload:
        problems.append(f"{where}: the mutation sets no LD_PRELOAD to {SONAME}")
    for p in preload:
        if posixpath.normpath(p) != posixpath.join(target, LAYOUT_MUSL):
            problems.append(f"{where}: LD_PRELOAD {p} is not {target}/{LAYOUT_MUSL}, what `dnsshim install {target}` writes")
    if "LD_PRELOAD" not in strings:
        problems.append(f"{where}: the mutation sets no LD_PRELOAD")
    mounts = [s for s in strings if s == target]
    if len(mounts) < 3:
        problems.append(f"{where}: the volume is not mounted at {target} in the init container and the containers")
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("dockerfile", "kubernetes"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    if argv[1] == "dockerfile":
        problems = [p for path in argv[2:] for p in check_dockerfile(path)]
    else:
        problems = check_kubernetes(argv[2:])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
