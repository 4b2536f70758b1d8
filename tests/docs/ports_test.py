#!/usr/bin/env python3
"""Checks that the docs' example addresses agree on one port per service.

The examples in README.md, docs/*.md and deploy/**/README.md use the ports the shipped
deployments use (deploy/systemd, deploy/kubernetes): scheduler 7000, store 7001, agent
7002. Every address given to --scheduler / --store / --agent, to MESHPROOF_SCHEDULER /
MESHPROOF_STORE, to `scheduler:` / `store:` config keys, and to a service's own --listen
must use its service's port. Ports of 10000 and above are exempt: they are transcripts of
services started on port 0, whose port the system chose.

Usage: ports_test.py [REPO_ROOT]   (default: two folders above this file)
"""

import glob
import os
import re
import sys

PORTS = {"scheduler": 7000, "store": 7001, "agent": 7002}
EPHEMERAL = 10000
ADDR = r"[\w.\[\]:-]*?:(\d+)\b"

# (pattern, service) — the pattern's last group is the port.
RULES = [
    (re.compile(r"--scheduler[ =]" + ADDR), "scheduler"),
    (re.compile(r"--store[ =]" + ADDR), "store"),
    (re.compile(r"--agent[ =]" + ADDR), "agent"),
    (re.compile(r"MESHPROOF_SCHEDULER=" + ADDR), "scheduler"),
    (re.compile(r"MESHPROOF_STORE=" + ADDR), "store"),
    (re.compile(r"^\s*scheduler:\s*\"?" + ADDR), "scheduler"),
    (re.compile(r"^\s*store:\s*\"?" + ADDR), "store"),
]
# A service's own --listen, on the line that starts it.
LISTEN = re.compile(r"meshproof-(scheduler|store|agent)\b[^#\n]*?--listen[ =]" + ADDR)


def check(root):
    files = [os.path.join(root, "README.md")]
    files += sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    files += sorted(glob.glob(os.path.join(root, "deploy", "**", "README.md"), recursive=True))
    problems = []
    seen = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                found = [(m, service) for pattern, service in RULES for m in pattern.finditer(line)]
                found += [(m, m.group(1)) for m in LISTEN.finditer(line)]
                for match, service in found:
                    port = int(match.groups()[-1])
                    seen += 1
                    if port == 0 or port >= EPHEMERAL or port == PORTS[service]:
                        continue
                    problems.append("%s:%d: %s at port %d, the docs use %d: %s" % (
                        os.path.relpath(path, root), number, service, port, PORTS[service],
                        line.strip()))
    return problems, seen


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    problems, seen = check(root)
    if seen == 0:
        print("no example addresses found: the patterns no longer match the docs", file=sys.stderr)
        return 1
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print("%d example addresses agree: scheduler 7000, store 7001, agent 7002" % seen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
