#!/usr/bin/env python3
"""Prints a short digest of a failed Maven run: what each failing test class logged at WARN/ERROR.

CI shows only the last lines of its output, where Maven's summary names the failing test but not
why it failed. This digest goes last, so the cause (a refused request, a timeout, a process that
exited) is in the part CI shows. Usage: failure-digest.py MAVEN_LOG [MAX_LINES].
"""
import re
import sys

log_path = sys.argv[1]
max_lines = int(sys.argv[2]) if len(sys.argv) > 2 else 40

with open(log_path, encoding="utf-8", errors="replace") as f:
    lines = [line.rstrip("\n") for line in f]

failed = []
for line in lines:
    m = re.search(r"Tests run:.*<<< (?:FAILURE|ERROR)!.* -- in (\S+)", line)
    if m and m.group(1) not in failed:
        failed.append(m.group(1))

if not failed:
    print("failure digest: no failing test class in the log (a build or plugin step failed)")
    sys.exit(0)

timestamped = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ +(WARN|ERROR)")
budget = max(8, max_lines // len(failed[:2]))
for test_class in failed[:2]:
    start = end = None
    for i, line in enumerate(lines):
        if line.endswith("Running " + test_class):
            start = i
        elif start is not None and "-- in " + test_class in line and "Tests run:" in line:
            end = i
    if start is None:
        continue
    window = lines[start : (end if end is not None else len(lines))]
    kept, seen = [], set()
    for line in window:
        if timestamped.match(line) or line.startswith(("[ERROR]", "org.awaitility", "java.lang.")):
            key = re.sub(r"^\S+ \S+ +", "", line)[:160]
            if key in seen:
                continue
            seen.add(key)
            kept.append(line[:240])
    print(f"=== failure digest: {test_class} (WARN/ERROR lines, last {budget} of {len(kept)}) ===")
    for line in kept[-budget:]:
        print(line)
