#!/usr/bin/python3
"""docs/cli.md (and the sanctwatch(1) man page made from it) agrees with the binary: every
command of `sanctwatch --help` has a section `## sanctwatch CMD` whose synopsis is the usage
line of `sanctwatch CMD --help`, and every option of that help is described there."""
import re
import subprocess
import sys

binary, doc_path = sys.argv[1], sys.argv[2]
doc = open(doc_path, encoding="utf-8").read()
sections = dict(re.findall(r"^## sanctwatch (\S+)\n(.*?)(?=^## |\Z)", doc, flags=re.M | re.S))
top = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
commands = re.findall(r"^  ([\w-]+)\s{2,}", top.split("commands:", 1)[1], flags=re.M)
failures = []
if not commands:
    failures.append("no commands in `sanctwatch --help`")
for cmd in commands:
    text = sections.get(cmd)
    if text is None:
        failures.append("docs/cli.md has no section '## sanctwatch %s'" % cmd)
        continue
    help_text = subprocess.run([binary, cmd, "--help"], capture_output=True, text=True).stdout
    usage = re.search(r"^usage: (.*)$", help_text, flags=re.M).group(1)
    if "`%s`" % usage not in text:
        failures.append("%s: synopsis is not the usage line `%s`" % (cmd, usage))
    for opt in re.findall(r"^  (-[-\w]+)", (help_text.split("options:", 1) + [""])[1], flags=re.M):
        if opt in ("-h", "--help"):
            continue
        if "`%s" % opt not in text:
            failures.append("%s: option %s is not described" % (cmd, opt))
for cmd in sections:
    if cmd not in commands:
        failures.append("docs/cli.md describes '%s', which the binary does not have" % cmd)
for f in failures:
    print("FAIL: " + f, file=sys.stderr)
print("%d commands, %d failure(s)" % (len(commands), len(failures)))
sys.exit(1 if failures else 0)
