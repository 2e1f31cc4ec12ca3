#!/usr/bin/python3
"""The peer sanctwatch is compared with in bench_match: what one would build from Python's
usual parts. feedparser reads each feed file; one pyahocorasick automaton holds every SDN
name and alias (lower case) and a few sanctions phrases; each entry's title, summary and
content, markup removed and lower-cased, are scanned, hits kept at word boundaries; one JSON
line per entry with hits.

Usage: peer_match.py SDN_DIR FEED...   (SDN_DIR holds OFAC's sdn.csv and alt.csv)
"""
import csv
import json
import os
import re
import sys

import ahocorasick
import feedparser

PHRASES = ["sanctions on", "sanctioned", "imposed sanctions", "secondary sanctions",
           "entity list", "export controls", "asset freeze", "blacklist", "embargo",
           "designated", "specially designated nationals"]


def names(sdn_dir):
    with open(os.path.join(sdn_dir, "sdn.csv"), encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) > 1:
                yield row[1]
    with open(os.path.join(sdn_dir, "alt.csv"), encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) > 3:
                yield row[3]


def main():
    sdn_dir, files = sys.argv[1], sys.argv[2:]
    automaton = ahocorasick.Automaton()
    for name in names(sdn_dir):
        key = " ".join(name.lower().split())
        if len(key) >= 4 and key != "-0-":
            automaton.add_word(key, key)
    for p in PHRASES:
        automaton.add_word(p, p)
    automaton.make_automaton()
    tags = re.compile(r"<[^>]*>")
    word = re.compile(r"\w")
    out = sys.stdout
    for path in files:
        feed = feedparser.parse(path)
        for e in feed.entries:
            parts = [e.get("title", ""), e.get("summary", "")]
            parts += [c.get("value", "") for c in e.get("content", [])]
            text = " ".join(tags.sub(" ", " ".join(parts)).lower().split())
            hits = set()
            for end, key in automaton.iter(text):
                start = end - len(key) + 1
                if (start > 0 and word.match(text[start - 1])) or \
                        (end + 1 < len(text) and word.match(text[end + 1])):
                    continue
                hits.add(key)
            if hits:
                out.write(json.dumps({"feed": path, "id": e.get("id"), "hits": sorted(hits)}) + "\n")


if __name__ == "__main__":
    main()
