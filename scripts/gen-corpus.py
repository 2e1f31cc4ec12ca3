#!/usr/bin/env python3
"""Deterministic synthetic news feeds for the benchmarks (`make bench`).

Writes FEEDS feed files of ITEMS items each into OUT -- RSS 2.0, Atom 1.0 and RSS 1.0 in
the proportions 6:3:1 -- and OUT/feeds.txt, one relative path per line. Items are news-like
prose made from sentence templates (business, politics, markets, sport, weather); a share of
them (--hit-rate) carries a sanctions or export-control development, some naming an
organisation drawn from an OFAC sdn.csv when one is given. The same arguments always give the
same bytes.

    scripts/gen-corpus.py --feeds 200 --items 50 --seed 1 --out build/bench/corpus
    scripts/gen-corpus.py --feeds 100 --items 30 --sdn /data/sdn.csv --out /tmp/corpus
"""
import argparse
import csv
import datetime as dt
import html
import os
import random

SUBJECTS = ["The ministry", "Regulators", "The central bank", "Analysts", "The company",
            "Shareholders", "The city council", "Union leaders", "The committee", "Investors",
            "The coalition", "Local officials", "The airline", "Economists", "The court",
            "Farmers", "The port authority", "Engineers", "The opposition", "Retailers"]
VERBS = ["said", "expected", "announced", "warned", "reported", "confirmed", "estimated",
         "argued", "signalled", "denied", "welcomed", "questioned", "predicted", "noted"]
OBJECTS = ["a rise in quarterly profit", "slower growth in the second half",
           "new investment in renewable energy", "a delay to the rail project",
           "higher prices for consumers", "a review of the pension scheme",
           "record passenger numbers", "a shortage of skilled workers",
           "stronger demand for exports", "weaker sales in the home market",
           "a plan to cut emissions", "talks on a new trade agreement",
           "a budget surplus for the year", "repairs to the harbour wall",
           "an increase in interest rates", "a merger with a regional rival"]
TAILS = ["on Tuesday", "last week", "in a statement", "according to people familiar with the matter",
         "after a long meeting", "despite the weather", "for the third time this year",
         "in the capital", "ahead of the summit", "as markets closed", "citing official data"]
PLACES = ["Hong Kong", "Dubai", "Istanbul", "Tashkent", "Minsk", "Caracas", "Tehran",
          "Moscow", "Beijing", "Almaty", "Yerevan", "Singapore", "Shanghai", "Tbilisi"]
ACTORS = ["The US Treasury", "Washington", "The European Union", "Britain", "The EU",
          "The Commerce Department", "Canada", "Japan", "The State Department", "OFAC"]
DEVELOPMENTS = [
    "{actor} imposed sanctions on {n} companies in {place} accused of supplying drone parts.",
    "{actor} added {org} to the Entity List over shipments of chips to {place}.",
    "{actor} froze the assets of {org} and its owners on {day}.",
    "{actor} warned banks in {place} of secondary sanctions if they keep serving {org}.",
    "{actor} tightened export controls on machine tools and dual-use items bound for {place}.",
    "{actor} designated {org} for helping evade the oil price cap.",
    "Prosecutors said {org} violated sanctions by routing payments through {place}.",
    "{actor} announced a new package of sanctions targeting {n} vessels and {org}.",
]
OTHER_SENSES = [
    "The league sanctioned the club after the match and fined its coach.",
    "The race was sanctioned by the federation for next season.",
    "The council approved a hiring freeze for the rest of the year.",
    "Officials lifted the travel ban on the mountain road after the storm.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
FALLBACK_ORGS = ["Northwind Maritime", "Kestrel Microsystems", "Orion Trade House",
                 "Blue Steppe Logistics", "Helix Components"]
LEGAL = [", CO., LIMITED", " CO., LTD.", " CO., LTD", " LIMITED", " LTD", " LLC", " OOO",
         " JSC", " PJSC", " GMBH", ", S.A.", " S.A.", " FZE", " FZCO", " INC."]


def load_orgs(path):
    """Organisation names of an OFAC sdn.csv (type -0-), legal form dropped, in title case."""
    if not path or not os.path.exists(path):
        return FALLBACK_ORGS
    orgs = []
    with open(path, encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 3 or row[2].strip() != "-0-" or not row[1].strip():
                continue
            name = row[1].strip()
            for form in LEGAL:
                if name.upper().endswith(form):
                    name = name[: -len(form)]
                    break
            if len(name) > 3:
                orgs.append(name.title())
    return orgs or FALLBACK_ORGS


def plain_sentence(rng):
    return "%s %s %s %s." % (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS),
                             rng.choice(TAILS))


def development(rng, orgs):
    return rng.choice(DEVELOPMENTS).format(actor=rng.choice(ACTORS), org=rng.choice(orgs),
                                           place=rng.choice(PLACES), n=rng.randint(2, 40),
                                           day=rng.choice(DAYS))


def item_text(rng, words, hit, orgs):
    """Paragraphs of about `words` words; a hit item reports a development in its first
    paragraph and mentions it again later; others may use the words in other senses."""
    paragraphs, count = [], 0
    while count < words:
        sentences = [plain_sentence(rng) for _ in range(rng.randint(2, 5))]
        if hit and (not paragraphs or rng.random() < 0.15):
            sentences.insert(rng.randint(0, len(sentences)), development(rng, orgs))
        elif not hit and rng.random() < 0.05:
            sentences.append(rng.choice(OTHER_SENSES))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return paragraphs


def title(rng, hit, orgs):
    if hit:
        return development(rng, orgs).rstrip(".")
    return "%s %s %s" % (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS))


def make_items(rng, feed_no, n, words, hit_rate, orgs, start):
    items = []
    for i in range(n):
        hit = rng.random() < hit_rate
        paragraphs = item_text(rng, words, hit, orgs)
        when = start - dt.timedelta(minutes=17 * i + feed_no)
        items.append({
            "id": "https://news%03d.example/%s/story-%05d" % (feed_no, when.strftime("%Y/%m/%d"), i),
            "title": title(rng, hit, orgs),
            "summary": paragraphs[0][:280],
            "text": "\n\n".join(paragraphs),
            "html": "".join("<p>%s</p>" % html.escape(p) for p in paragraphs),
            "when": when,
        })
    return items


def rss2(feed_no, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
           "<title>Example News %d</title><link>https://news%03d.example/</link>"
           "<description>Synthetic feed</description>" % (feed_no, feed_no)]
    for it in items:
        out.append("<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate>"
                   "<description>%s</description><content:encoded><![CDATA[%s]]></content:encoded>"
                   "</item>" % (html.escape(it["title"]), it["id"], it["id"],
                                it["when"].strftime("%a, %d %b %Y %H:%M:%S +0000"),
                                html.escape(it["summary"]), it["html"]))
    out.append("</channel></rss>\n")
    return "".join(out)


def atom(feed_no, items):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
           "<title>Example Wire %d</title><id>https://wire%03d.example/</id><updated>%s</updated>"
           % (feed_no, feed_no, items[0]["when"].strftime("%Y-%m-%dT%H:%M:%SZ") if items else
              "2024-01-01T00:00:00Z")]
    for it in items:
        stamp = it["when"].strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append('<entry><title>%s</title><link href="%s"/><id>%s</id><updated>%s</updated>'
                   '<summary>%s</summary><content type="html">%s</content></entry>'
                   % (html.escape(it["title"]), it["id"], it["id"], stamp,
                      html.escape(it["summary"]), html.escape(it["html"])))
    out.append("</feed>\n")
    return "".join(out)


def rss1(feed_no, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
           '<channel rdf:about="https://digest%03d.example/"><title>Example Digest %d</title>'
           "<link>https://digest%03d.example/</link><description>Synthetic feed</description>"
           "</channel>" % (feed_no, feed_no, feed_no)]
    for it in items:
        out.append('<item rdf:about="%s"><title>%s</title><link>%s</link><dc:date>%s</dc:date>'
                   "<description>%s</description></item>"
                   % (it["id"], html.escape(it["title"]), it["id"],
                      it["when"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                      html.escape(it["text"])))
    out.append("</rdf:RDF>\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--items", type=int, default=30)
    ap.add_argument("--words", type=int, default=400, help="about this many words per item")
    ap.add_argument("--hit-rate", type=float, default=0.05,
                    help="share of items that report a sanctions or export-control development")
    ap.add_argument("--sdn", help="an OFAC sdn.csv to draw organisation names from")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    orgs = load_orgs(a.sdn)
    start = dt.datetime(2024, 6, 1, 12, 0, 0)
    os.makedirs(a.out, exist_ok=True)
    paths = []
    for f in range(a.feeds):
        kind = f % 10
        writer, ext = (rss2, "rss") if kind < 6 else (atom, "atom") if kind < 9 else (rss1, "rdf")
        items = make_items(rng, f, a.items, a.words, a.hit_rate, orgs, start)
        name = "feed-%04d.%s.xml" % (f, ext)
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as fh:
            fh.write(writer(f, items))
        paths.append(name)
    with open(os.path.join(a.out, "feeds.txt"), "w") as fh:
        fh.write("\n".join(paths) + "\n")


if __name__ == "__main__":
    main()
