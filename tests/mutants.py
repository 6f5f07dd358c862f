#!/usr/bin/env python3
"""Mutation check: planted bugs, applied one at a time, each expected to fail the test suite.

    make mutants                          # every mutant (about 8 minutes on 2 cores)
    python3 tests/mutants.py [--full] [--list] [NAME...]

The source tree (the working tree's files that git knows or would add) is copied to a scratch
directory, target/mutants/src, which keeps its own cargo target between runs so that a
mutant rebuilds only what it changes. For each mutant, in that copy: every file is restored,
the mutant's replacements are applied (each original text must occur exactly once), the
libraries and the test server are built (`make build`: a mutant that does not build is an
error of this list, not a catch), then the tests named with the mutant run, and when they all
pass, the whole `make test`. A mutant is caught when a test fails. --full runs the whole
`make test` for every mutant.

Prints one line per mutant (caught by which test, or SURVIVED) and a summary line; exits 1
when a mutant survived or did not build. Logs: target/mutants/logs/NAME.log. The last result
is recorded in docs/reliability.md ("Mutation check").
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "mutants")
SRC = os.path.join(WORK, "src")
LOGS = os.path.join(WORK, "logs")


class Mutant:
    def __init__(self, name, what, edits, tests):
        self.name = name
        self.what = what
        # (file, original text, replacement)
        self.edits = edits
        # cargo test arguments of the tests expected to catch it first
        self.tests = tests


MUTANTS = [
    Mutant(
        "tc-ignored",
        "the TC bit of an answer is never seen: a truncated UDP answer is used as it is",
        [("src/wire/response.rs",
          "let truncated = resp[2] & 0x02 != 0;",
          "let truncated = resp[2] & 0x02 != 0 && false;")],
        ["--test", "conformance"],
    ),
    Mutant(
        "last-address",
        "the last address of every DNS answer with more than one is dropped",
        [("src/wire/collect.rs",
          "            out.push(A::Item::from_ip(ip));\n        }\n    }\n    end.canonical()",
          "            out.push(A::Item::from_ip(ip));\n        }\n    }\n"
          "    if out.len() > start + 1 {\n        out.pop();\n    }\n    end.canonical()")],
        ["--test", "conformance"],
    ),
    Mutant(
        "nxdomain-nodata-musl",
        "musl build: a name that does not exist is EAI_NODATA / NO_DATA (not EAI_NONAME / "
        "HOST_NOT_FOUND)",
        [("src/abi/mod.rs",
          "        Error::NotFound => eai::NONAME,",
          "        Error::NotFound if cfg!(target_env = \"musl\") => eai::NODATA,\n"
          "        Error::NotFound => eai::NONAME,"),
         ("src/abi/mod.rs",
          "        Error::NotFound => herr::HOST_NOT_FOUND,",
          "        Error::NotFound if cfg!(target_env = \"musl\") => herr::NO_DATA,\n"
          "        Error::NotFound => herr::HOST_NOT_FOUND,")],
        ["--test", "conformance"],
    ),
    Mutant(
        "nxdomain-nodata-glibc",
        "glibc build: a name that does not exist is EAI_NODATA / NO_DATA",
        [("src/abi/mod.rs",
          "        Error::NotFound => eai::NONAME,",
          "        Error::NotFound if cfg!(target_env = \"gnu\") => eai::NODATA,\n"
          "        Error::NotFound => eai::NONAME,"),
         ("src/abi/mod.rs",
          "        Error::NotFound => herr::HOST_NOT_FOUND,",
          "        Error::NotFound if cfg!(target_env = \"gnu\") => herr::NO_DATA,\n"
          "        Error::NotFound => herr::HOST_NOT_FOUND,")],
        ["--test", "conformance"],
    ),
    Mutant(
        "r-size-plus-3",
        "the _r functions demand 3 bytes more buffer than their layout needs",
        [("src/abi/hostent.rs",
          "fn needed(h: &HostEnt, buf: usize) -> usize {\n",
          "fn needed(h: &HostEnt, buf: usize) -> usize {\n    needed_exact(h, buf) + 3\n}\n\n"
          "fn needed_exact(h: &HostEnt, buf: usize) -> usize {\n")],
        ["--test", "conformance"],
    ),
    Mutant(
        "r-size-minus-3",
        "the _r functions accept a buffer 3 bytes short of their layout (and write past it)",
        [("src/abi/hostent.rs",
          "fn needed(h: &HostEnt, buf: usize) -> usize {\n",
          "fn needed(h: &HostEnt, buf: usize) -> usize {\n    needed_exact(h, buf) - 3\n}\n\n"
          "fn needed_exact(h: &HostEnt, buf: usize) -> usize {\n")],
        ["--test", "conformance"],
    ),
    Mutant(
        "ndots-off-by-one",
        "a name needs one dot more than `ndots` to be asked as it is first (both semantics)",
        [("src/lookup/musl/lookup_name.rs",
          "let mut v: Vec<String> = if dots >= conf.ndots {",
          "let mut v: Vec<String> = if dots > conf.ndots {"),
         ("src/lookup/gnu/search.rs",
          "if dots >= conf.ndots || trailing_dot {",
          "if dots > conf.ndots || trailing_dot {")],
        ["--test", "conformance"],
    ),
    Mutant(
        "search-order",
        "the search list is tried last domain first",
        [("src/lookup/musl/lookup_name.rs",
          "            .iter()\n            .filter(|d| name.len() + 1 + d.len() < 256)",
          "            .iter()\n            .rev()\n            .filter(|d| name.len() + 1 + d.len() < 256)"),
         ("src/lookup/gnu/search.rs",
          "for d in &conf.search {",
          "for d in conf.search.iter().rev() {")],
        ["--test", "conformance"],
    ),
    Mutant(
        "res-herr-after-failure",
        "res_query/res_search: a lookup no response ended (timeout, every server failing, TCP "
        "failing after TC) sets NO_RECOVERY instead of TRY_AGAIN",
        [("src/lookup/res.rs",
          "        Err(_) => return Done::fail(Fail::h(Error::TryAgain)),",
          "        Err(_) => return Done::fail(Fail::h(Error::Fail)),")],
        ["--test", "conformance"],
    ),
]


def tracked_files():
    out = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, capture_output=True).stdout
    return [f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]


def copy_tree():
    """The scratch copy: every file as in the working tree; files gone there removed here."""
    files = tracked_files()
    keep = set(files)
    for dirpath, dirnames, filenames in os.walk(SRC):
        rel = os.path.relpath(dirpath, SRC)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d != "target"]
        for f in filenames:
            if os.path.normpath(os.path.join(rel, f)) not in keep:
                os.remove(os.path.join(dirpath, f))
    pristine = {}
    for f in files:
        with open(os.path.join(ROOT, f), "rb") as fh:
            pristine[f] = fh.read()
        restore(f, pristine[f])
    return pristine


def restore(f, data):
    """Writes `data` to the copy's `f` when it differs (an unchanged file keeps its mtime, so
    cargo does not rebuild for it)."""
    path = os.path.join(SRC, f)
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    shutil.copymode(os.path.join(ROOT, f), path)


def apply(m, pristine):
    """The mutant's edits on the pristine files; an error when an original text does not
    occur exactly once."""
    texts = {}
    for f, old, new in m.edits:
        text = texts.get(f, pristine[f].decode())
        n = text.count(old)
        if n != 1:
            raise SystemExit(f"mutant {m.name}: {f}: the original text occurs {n} times:\n{old}")
        texts[f] = text.replace(old, new)
    for f, text in texts.items():
        restore(f, text.encode())
    return list(texts)


def env():
    e = dict(os.environ)
    e.setdefault("CARGO_BUILD_JOBS", "2")
    e.update({
        "DNSSHIM_MUSL_SO": os.path.join(
            SRC, "target/x86_64-unknown-linux-musl/release/libdnsshim.so"),
        "DNSSHIM_GLIBC_SO": os.path.join(SRC, "target/release/libdnsshim.so"),
        "DNSSHIM_TESTSRV": os.path.join(SRC, "target/release/dnsshim-testsrv"),
        "DNSSHIM_CLI": os.path.join(
            SRC, "target/static/x86_64-unknown-linux-musl/release/dnsshim"),
    })
    return e


def run(cmd, log):
    with open(log, "a") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        return subprocess.run(cmd, cwd=SRC, env=env(), stdout=fh, stderr=subprocess.STDOUT
                              ).returncode


def failed_tests(log):
    """`binary: test` for each failed test in the log (the binary from the `Running` line)."""
    out, binary = [], "?"
    with open(log, errors="replace") as fh:
        for line in fh:
            m = re.match(r"\s*Running (\S+)", line)
            if m:
                binary = os.path.basename(m.group(1)).replace(".rs", "")
                if m.group(1) == "unittests":
                    binary = "unit tests"
            m = re.match(r"test (\S+) \.\.\. FAILED", line)
            if m:
                out.append(f"{binary}: {m.group(1)}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="the whole `make test` for every mutant")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("names", nargs="*", help="only these mutants")
    args = ap.parse_args()
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:24} {m.what}")
        return 0
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTANTS}
    if unknown:
        raise SystemExit(f"no such mutant: {', '.join(sorted(unknown))}")
    os.makedirs(SRC, exist_ok=True)
    os.makedirs(LOGS, exist_ok=True)
    pristine = copy_tree()
    for m in chosen:
        for f, old, _ in m.edits:
            if f not in pristine:
                raise SystemExit(f"mutant {m.name}: no file {f}")

    # The unmutated copy must build and pass the mutants' tests: otherwise nothing is learnt.
    base_log = os.path.join(LOGS, "unmutated.log")
    open(base_log, "w").close()
    t = time.time()
    base_tests = sorted({tuple(m.tests) for m in chosen})
    ok = run(["make", "--no-print-directory", "build"], base_log) == 0
    for tests in base_tests if ok else []:
        ok = ok and run(["cargo", "test", "--locked", *tests, "--", "--test-threads=2"],
                        base_log) == 0
    print(f"{'unmutated':24} {'passes' if ok else 'FAILS'} ({time.time() - t:.0f} s)",
          flush=True)
    if not ok:
        print(f"the unmutated copy fails: {base_log}")
        return 1

    results = []
    for m in chosen:
        log = os.path.join(LOGS, f"{m.name}.log")
        open(log, "w").close()
        t = time.time()
        for f in pristine:
            restore(f, pristine[f])
        apply(m, pristine)
        if run(["make", "--no-print-directory", "build"], log) != 0:
            verdict = "DOES NOT BUILD"
        else:
            caught = False
            if not args.full:
                caught = run(["cargo", "test", "--locked", *m.tests, "--",
                              "--test-threads=2"], log) != 0
            if not caught:
                caught = run(["make", "--no-print-directory", "test"], log) != 0
            verdict = ("caught by " + "; ".join(failed_tests(log) or ["a failing build step"])
                       if caught else "SURVIVED")
        results.append((m, verdict))
        print(f"{m.name:24} {verdict} ({time.time() - t:.0f} s)", flush=True)
    for f in pristine:
        restore(f, pristine[f])
    bad = [m.name for m, v in results if not v.startswith("caught")]
    print(f"mutants: {len(results)}, caught {len(results) - len(bad)}"
          + (f", NOT caught: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
