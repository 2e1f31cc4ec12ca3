#!/usr/bin/python3
"""Reads an Atom document with Python's feedparser (python3-feedparser) and prints what it
found as JSON: whether it was well formed, the feed's title and each entry's id, title, link
and content. The web tests compare it with what they served."""
import json
import sys

import feedparser

d = feedparser.parse(open(sys.argv[1], "rb").read())
print(json.dumps({
    "bozo": bool(d.bozo),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "entries": [{"id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
                 "content": e.content[0].value if e.get("content") else None,
                 "tags": [t.term for t in e.get("tags", [])]} for e in d.entries],
}))
