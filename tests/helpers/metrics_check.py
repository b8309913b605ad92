# A strict reader of the Prometheus text exposition format 0.0.4 (stdin):
# comment, HELP and TYPE lines; sample lines with escaped label values and
# Go-style float values; every family's TYPE before its samples, once; a
# family's samples together; no series twice; counters named *_total; a
# final newline.  Exits 1 with the line and the reason on the first fault;
# on success prints the samples as JSON lines: {"name", "labels", "value"}.
import json
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
FLOAT = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}

text = sys.stdin.buffer.read().decode("utf-8")


def fail(n, line, why):
    sys.exit("line %d: %s: %r" % (n, why, line))


if not text.endswith("\n"):
    fail(0, text[-40:], "no final newline")
types, helps, seen, done = {}, {}, set(), set()
current = None
samples = []
for n, line in enumerate(text[:-1].split("\n"), 1):
    if line == "":
        continue
    if line.startswith("#"):
        m = re.fullmatch(r"# (HELP|TYPE) (" + NAME + r") (.*)", line)
        if not m:
            if re.match(r"# (HELP|TYPE)\b", line):
                fail(n, line, "malformed HELP/TYPE")
            continue
        kind, name, rest = m.groups()
        if kind == "TYPE":
            if rest not in TYPES:
                fail(n, line, "unknown type")
            if name in types:
                fail(n, line, "second TYPE")
            if name in done or name == current:
                fail(n, line, "TYPE after samples")
            types[name] = rest
            if rest == "counter" and not name.endswith("_total"):
                fail(n, line, "counter not named *_total")
        else:
            if name in helps:
                fail(n, line, "second HELP")
            if re.search(r"\\[^\\n]", rest):
                fail(n, line, "bad escape in HELP")
            helps[name] = rest
        continue
    m = re.fullmatch(r"(" + NAME + r")(\{(.*)\})? (" + FLOAT + r")( -?[0-9]+)?",
                     line)
    if not m:
        fail(n, line, "not a sample")
    name, _, body, value, _ = m.groups()
    labels = {}
    if body:
        pos = 0
        while pos < len(body):
            lm = re.compile(r"(" + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"').match(
                body, pos)
            if not lm:
                fail(n, line, "bad label at %d" % pos)
            if lm.group(1) in labels:
                fail(n, line, "label twice")
            labels[lm.group(1)] = re.sub(
                r"\\(.)", lambda x: "\n" if x.group(1) == "n" else x.group(1),
                lm.group(2))
            pos = lm.end()
            if pos < len(body):
                if body[pos] != ",":
                    fail(n, line, "expected ',' between labels")
                pos += 1
    family = name
    if family not in types:
        fail(n, line, "sample before its TYPE")
    if family != current:
        if family in done:
            fail(n, line, "family's samples not together")
        if current is not None:
            done.add(current)
        current = family
    key = (name, tuple(sorted(labels.items())))
    if key in seen:
        fail(n, line, "series twice")
    seen.add(key)
    samples.append({"name": name, "labels": labels, "value": float(value)})
for fam in types:
    if fam not in helps:
        fail(0, fam, "no HELP")
for s in samples:
    print(json.dumps(s))
