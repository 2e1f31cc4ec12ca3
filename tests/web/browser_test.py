#!/usr/bin/python3
"""The triage page in a real headless browser (Debian's chromium, chromium-driver and
python3-selenium), against the real daemon: feeds and a chat receiver on loopback, a
SQLite state, the web side on a port of its own.

Usage: browser_test.py SANCTWATCH_BINARY SOURCE_DIR
Exit 77 (skipped) when chromium, chromedriver or selenium is not installed.
"""
import base64
import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("skipped: python3-selenium is not installed")
    sys.exit(77)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    print("skipped: chromium and chromium-driver are not installed")
    sys.exit(77)

BINARY, SOURCE = sys.argv[1], sys.argv[2]
PASSWORD = "correct horse battery"


def atom(items):
    """An Atom feed whose titles and summaries are plain text (type="text"): what they say is
    text whatever it looks like, so markup in them reaches the alert as characters."""
    out = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
           '<id>urn:test:wire</id><updated>2026-12-01T00:00:00Z</updated>')
    for guid, title, text in items:
        out += ('<entry><id>urn:test:%s</id><updated>2026-12-01T00:00:00Z</updated>'
                '<link href="https://news.example/%s"/><title type="text">%s</title>'
                '<summary type="text">%s</summary></entry>'
                % (guid, guid, html.escape(title), html.escape(text)))
    return out + "</feed>"


# Sentences written for this test; one carries markup an attacker would plant in a feed.
WIRE = [
    ("threat", "Washington threatens sanctions on Gulf banks that help Moscow evade sanctions",
     "Washington threatens sanctions on Gulf banks that help Moscow evade sanctions."),
    ("designation", "Treasury imposed sanctions on two Harbourline shipping firms over Russia",
     "Treasury imposed sanctions on two Harbourline shipping firms over Russia."),
    ("hostile", "Treasury imposed sanctions on <script>window.__pwned=1</script> Ltd over Russia",
     'Treasury imposed sanctions on "><img src=x onerror="window.__pwned=2"> Trading over Russia.'),
]
LATER = [
    ("quayside", "Treasury imposed sanctions on Quayside Bunkering over Russia",
     "Treasury imposed sanctions on Quayside Bunkering over Russia."),
]


class Loopback(BaseHTTPRequestHandler):
    feeds = {}
    chat = []
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = self.feeds.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.chat.append(data.decode("utf-8", "replace"))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def eventually(check, timeout=30.0, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    return check()


class TriagePage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sanctwatch-browser-")
        Loopback.feeds["/wire"] = atom(WIRE)
        Loopback.feeds["/later"] = atom(LATER)
        cls.http = ThreadingHTTPServer(("127.0.0.1", 0), Loopback)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        base = "http://127.0.0.1:%d" % cls.http.server_address[1]
        hashed = subprocess.run([BINARY, "passwd"], input=PASSWORD + "\n", capture_output=True,
                                text=True, check=True).stdout.strip()
        cls.state = os.path.join(cls.dir, "state.db")
        cls.jsonl = os.path.join(cls.dir, "alerts.jsonl")
        cls.config = os.path.join(cls.dir, "sanctwatch.yaml")
        cls.config_text = (
            "state: {path: %s}\n" % cls.state
            + "rules: [%s/rules]\n" % SOURCE
            + "feeds:\n  - {id: wire, url: \"%s/wire\", interval: 1h}\n" % base
            + "sinks:\n  - {type: jsonl, path: %s}\n" % cls.jsonl
            + "  - {type: slack, name: desk, url: \"%s/chat\"}\n" % base
            + "web: {listen: \"127.0.0.1:0\", users: [{name: desk, password_hash: \"%s\"}]}\n" % hashed)
        with open(cls.config, "w") as f:
            f.write(cls.config_text)
        cls.base = base
        cls.log = open(os.path.join(cls.dir, "daemon.log"), "w+")
        cls.daemon = subprocess.Popen([BINARY, "run", "-c", cls.config], stdout=cls.log,
                                      stderr=subprocess.STDOUT)

        def address():
            cls.log.flush()
            with open(cls.log.name) as f:
                m = re.search(r"web on (http://[^/\s]+)/", f.read())
            return m.group(1) if m else None
        cls.web = eventually(address)
        if not cls.web:
            raise RuntimeError("the daemon did not start its web side:\n" + cls.daemon_log())
        if not eventually(lambda: cls.total() == 3):
            raise RuntimeError("the three alerts never arrived:\n" + cls.daemon_log())
        eventually(lambda: len(Loopback.chat) >= 3)

        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-quic",
                     "--user-data-dir=" + os.path.join(cls.dir, "chromium")):
            options.add_argument(flag)
        options.binary_location = CHROMIUM
        cls.browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        cls.browser.set_page_load_timeout(30)
        cls.ids = {a["alert"]["item"]["id"].rsplit(":", 1)[-1]: a["alert"]["id"]
                   for a in cls.api("/api/alerts")["alerts"]}

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "browser", None):
            cls.browser.quit()
        cls.daemon.send_signal(signal.SIGTERM)
        try:
            cls.daemon.wait(20)
        except subprocess.TimeoutExpired:
            cls.daemon.kill()
        cls.http.shutdown()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def daemon_log(cls):
        cls.log.flush()
        with open(cls.log.name) as f:
            return f.read()[-4000:]

    @classmethod
    def total(cls):
        """Alerts in the queue, as the JSON API says; None while it cannot say."""
        try:
            return cls.api("/api/alerts")["total"]
        except (OSError, ValueError):
            return None

    @classmethod
    def api(cls, path):
        request = urllib.request.Request(cls.web + path)
        request.add_header("Authorization", "Basic " + base64.b64encode(
            ("desk:" + PASSWORD).encode()).decode())
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.load(r)

    # Helpers on the browser.
    def go(self, path):
        self.browser.get(self.web + path)

    def rows(self):
        return self.browser.find_elements(By.CSS_SELECTOR, "table.queue tr.alert")

    def sign_in(self):
        self.go("/")
        if "/login" not in self.browser.current_url:
            return
        self.browser.find_element(By.NAME, "name").send_keys("desk")
        self.browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        self.browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(self.browser, 10).until(lambda b: "/login" not in b.current_url)

    def triage_row(self, alert_id):
        with sqlite3.connect(self.state) as db:
            return db.execute("SELECT acknowledged_by, ack_note, label, label_reason FROM "
                              "alert_triage WHERE alert_id = ?", (alert_id,)).fetchone()

    # The cases, in order (one browser, one daemon).
    def test_1_the_queue_lists_the_alerts_after_sign_in(self):
        self.go("/")
        self.assertIn("/login", self.browser.current_url)  # nobody reads without signing in
        self.sign_in()
        self.assertEqual(len(self.rows()), 3)
        text = self.browser.find_element(By.CSS_SELECTOR, "table.queue").text
        self.assertIn("Washington threatens sanctions on Gulf banks", text)
        self.assertIn("Harbourline shipping firms", text)
        self.assertIn("Signed in as desk", self.browser.find_element(By.CSS_SELECTOR, ".who").text)

    def test_2_a_filter_narrows_the_queue_and_survives_a_reload(self):
        self.sign_in()
        self.go("/")
        box = self.browser.find_element(By.NAME, "q")
        box.send_keys("harbourline")
        box.send_keys(Keys.ENTER)
        WebDriverWait(self.browser, 10).until(lambda b: "q=harbourline" in b.current_url)
        self.assertEqual(len(self.rows()), 1)
        self.browser.refresh()
        self.assertEqual(len(self.rows()), 1)
        self.assertIn("Harbourline", self.rows()[0].text)
        self.assertEqual(self.browser.find_element(By.NAME, "q").get_attribute("value"),
                         "harbourline")
        self.assertIn("1 alert match these filters",
                      self.browser.find_element(By.ID, "count").text)

    def test_3_keys_move_through_the_queue_and_open_an_alert(self):
        self.sign_in()
        self.go("/")
        body = self.browser.find_element(By.TAG_NAME, "body")
        body.send_keys("j")
        body.send_keys("j")
        second = self.rows()[1]
        self.assertIn("current", second.get_attribute("class"))
        href = second.find_element(By.CSS_SELECTOR, "a.open").get_attribute("href")
        self.browser.switch_to.active_element.send_keys(Keys.ENTER)
        WebDriverWait(self.browser, 10).until(lambda b: b.current_url == href)
        self.browser.find_element(By.TAG_NAME, "body").send_keys("k")  # harmless off the queue

    def test_4_an_alert_shows_its_evidence_highlighted(self):
        self.sign_in()
        self.go("/alerts/" + self.ids["designation"])
        marks = [m.text for m in self.browser.find_elements(By.CSS_SELECTOR, ".evidence mark")]
        self.assertTrue(marks, self.browser.page_source[:3000])
        self.assertTrue(any("sanction" in m.lower() for m in marks), marks)
        evidence = self.browser.find_element(By.CSS_SELECTOR, ".evidence").text
        self.assertIn("Harbourline shipping firms", evidence)
        delivery = self.browser.find_element(By.ID, "delivery").find_element(By.XPATH, "..").text
        self.assertIn("desk", delivery)
        self.assertIn("delivered", delivery)

    def test_5_hostile_article_text_renders_as_text(self):
        self.sign_in()
        for path in ("/", "/alerts/" + self.ids["hostile"]):
            self.go(path)
            with self.assertRaises(NoAlertPresentException):
                self.browser.switch_to.alert
            self.assertTrue(self.browser.execute_script("return window.__pwned === undefined"))
            self.assertEqual(self.browser.execute_script(
                "return document.querySelectorAll('main img').length"), 0)
        self.assertIn("<script>window.__pwned=1</script>",
                      self.browser.find_element(By.TAG_NAME, "h1").text)
        self.assertIn('"><img src=x onerror="window.__pwned=2">',
                      self.browser.find_element(By.CSS_SELECTOR, ".evidence").text)

    def test_6_acknowledge_and_label_change_the_page_and_the_state(self):
        self.sign_in()
        alert = self.ids["designation"]
        self.go("/alerts/" + alert)
        form = self.browser.find_element(By.ID, "acknowledge-form")
        form.find_element(By.NAME, "note").send_keys("checking the vessels")
        form.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(self.browser, 10).until(expected_conditions.staleness_of(form))
        self.assertIn("by desk", self.browser.find_element(By.ID, "acknowledged").text)
        self.assertIn("Acknowledged.", self.browser.find_element(By.CSS_SELECTOR, ".notice").text)
        self.assertIn("checking the vessels", self.browser.find_element(By.ID, "acknowledged").text)
        form = self.browser.find_element(By.ID, "label-form")
        form.find_element(By.CSS_SELECTOR, "input[value=false-positive]").click()
        form.find_element(By.NAME, "reason").send_keys("shipping firms, not the listed ones")
        form.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(self.browser, 10).until(expected_conditions.staleness_of(form))
        self.assertIn("false positive by desk", self.browser.find_element(By.ID, "label").text)
        self.assertEqual(self.triage_row(alert), ("desk", "checking the vessels", "false-positive",
                                                  "shipping firms, not the listed ones"))
        self.go("/?state=false-positive")
        self.assertEqual(len(self.rows()), 1)
        self.assertIn("false positive", self.rows()[0].text)

    def test_7_a_form_without_its_csrf_token_is_refused(self):
        self.sign_in()
        alert = self.ids["threat"]
        self.go("/alerts/" + alert)
        self.browser.execute_script(
            "document.querySelector('#acknowledge-form input[name=csrf]').remove()")
        self.browser.find_element(By.CSS_SELECTOR, "#acknowledge-form button").click()
        WebDriverWait(self.browser, 10).until(lambda b: "Refused" in b.title)
        self.assertIn("did not come from this site", self.browser.find_element(By.TAG_NAME, "main").text)
        self.assertIsNone(self.triage_row(alert))

    def test_8_a_silence_keeps_an_alert_from_the_chat_and_on_the_page(self):
        self.sign_in()
        self.go("/silences")
        form = self.browser.find_element(By.CSS_SELECTOR, "form.silence")
        form.find_element(By.NAME, "matchers").send_keys("text=quayside")
        form.find_element(By.NAME, "comment").send_keys("covered by the desk already")
        form.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(self.browser, 10).until(lambda b: "done=" in b.current_url)
        self.assertIn("text=quayside", self.browser.find_element(By.CSS_SELECTOR, "table.silences").text)
        # The queue page, refreshing every second, is open when the new alert comes.
        self.go("/?refresh=1")
        chat_before = len(Loopback.chat)
        with open(self.config, "w") as f:
            f.write(self.config_text.replace(
                "feeds:\n", "feeds:\n  - {id: later, url: \"%s/later\", interval: 1h}\n" % self.base))
        self.daemon.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: self.total() == 4), self.daemon_log())
        # The jsonl sink (a machine) has it, marked; the chat never gets it.
        def in_jsonl():
            with open(self.jsonl) as f:
                return [json.loads(line) for line in f if "Quayside" in line]
        lines = eventually(in_jsonl)
        self.assertTrue(lines, self.daemon_log())
        self.assertTrue(lines[0]["silenced"])
        time.sleep(2)  # what the dispatcher would send, it has sent by now
        self.assertFalse([m for m in Loopback.chat[chat_before:] if "Quayside" in m])
        self.assertEqual(len(Loopback.chat), chat_before)
        # The open page offers the new alert, and shows it marked.
        WebDriverWait(self.browser, 15).until(
            lambda b: b.find_elements(By.ID, "live") and "1 new alert" in b.find_element(By.ID, "live").text)
        self.browser.find_element(By.CSS_SELECTOR, "#live button").click()
        WebDriverWait(self.browser, 10).until(lambda b: len(self.rows()) == 4)
        row = [r for r in self.rows() if "Quayside" in r.text]
        self.assertEqual(len(row), 1)
        self.assertIn("silenced", row[0].text)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
