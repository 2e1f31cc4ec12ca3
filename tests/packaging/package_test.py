#!/usr/bin/python3
"""Builds the Debian package of a configured build tree with CPack, unpacks it into a scratch
root and checks what an operator gets: files where the config, the units and the binary's
default `-c` say they are, a stripped binary, conffiles, Depends, maintainer scripts; then runs
the installed binary: `check` on the installed rules, `poll` on a copy of the installed config
with a local feed; and `systemd-analyze verify` on the installed units."""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    for opt in ("build", "source", "bindir", "config", "rules", "unitdir", "docdir", "sysconfdir",
                "mandir"):
        ap.add_argument("--" + opt, required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sanctwatch-deb-")
    try:
        # The package, from the tree the tests run in.
        r = run(["cpack", "-G", "DEB", "--config", os.path.join(a.build, "CPackConfig.cmake"),
                 "-B", os.path.join(tmp, "pkg")])
        if r.returncode != 0:
            print(r.stdout + r.stderr, file=sys.stderr)
            return 1
        debs = [f for f in os.listdir(os.path.join(tmp, "pkg")) if f.endswith(".deb")]
        check(len(debs) == 1, "one .deb built, got %s" % debs)
        deb = os.path.join(tmp, "pkg", debs[0])

        depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
        for lib in ("libcurl", "libyaml-cpp", "libsqlite3", "libicu", "libsystemd", "libpugixml"):
            check(lib in depends, "Depends names %s: %r" % (lib, depends))
        check("libhyperscan" in depends or "libvectorscan" in depends,
              "Depends names Hyperscan: %r" % depends)
        ctrl = os.path.join(tmp, "control")
        check(run(["dpkg-deb", "-e", deb, ctrl]).returncode == 0, "control area extracts")
        conffiles = open(os.path.join(ctrl, "conffiles")).read().split()
        check(a.config in conffiles, "the config is a conffile: %s" % conffiles)
        check(os.path.join(a.sysconfdir, "logrotate.d/sanctwatch") in conffiles,
              "the logrotate snippet is a conffile")
        for script in ("postinst", "prerm", "postrm"):
            p = os.path.join(ctrl, script)
            check(os.path.isfile(p) and os.access(p, os.X_OK), script + " is executable")
            check(run(["sh", "-n", p]).returncode == 0, script + " is valid sh")

        root = os.path.join(tmp, "root")
        check(run(["dpkg", "-x", deb, root]).returncode == 0, "dpkg -x unpacks the package")
        inroot = lambda p: os.path.join(root, p.lstrip("/"))
        binary = inroot(os.path.join(a.bindir, "sanctwatch"))
        check(os.access(binary, os.X_OK), "binary at %s" % binary)
        sections = run(["readelf", "-S", "-W", binary]).stdout
        check(".debug_info" not in sections, "the installed binary is stripped")
        check(os.path.isfile(inroot(a.config)), "config at %s" % a.config)
        check(os.path.isdir(inroot(a.rules)), "rules at %s" % a.rules)
        check(os.path.isfile(inroot(os.path.join(a.docdir, "README.md"))), "README in the docdir")
        check(os.path.isfile(inroot(os.path.join(a.docdir, "docs/rules.md"))), "docs in the docdir")
        check(os.path.isfile(inroot(os.path.join(a.sysconfdir, "logrotate.d/sanctwatch"))),
              "logrotate snippet installed")
        for page, head in (("man1/sanctwatch.1", ".TH SANCTWATCH 1"),
                           ("man5/sanctwatch.yaml.5", ".TH SANCTWATCH.YAML 5"),
                           ("man7/sanctwatch-rules.7", ".TH SANCTWATCH-RULES 7")):
            p = inroot(os.path.join(a.mandir, page))
            check(os.path.isfile(p) and head in open(p).read(), "man page %s" % page)

        # The paths agree: the config names the installed rules, the units the installed
        # binary and config, the binary defaults to the installed config.
        cfg = yaml.safe_load(open(inroot(a.config)))
        check(cfg.get("rules") == [a.rules], "installed config's rules: %s" % cfg.get("rules"))
        for unit in ("sanctwatch.service", "sanctwatch-poll.service"):
            text = open(inroot(os.path.join(a.unitdir, unit))).read()
            check("%s/sanctwatch " % a.bindir in text and "-c %s" % a.config in text,
                  unit + " runs the installed binary on the installed config")
        check(os.path.isfile(inroot(os.path.join(a.unitdir, "sanctwatch-poll.timer"))),
              "timer installed")
        help_text = run([binary, "run", "--help"]).stdout
        check("default %s" % a.config in help_text, "run -c defaults to %s: %r" % (a.config, help_text))

        r = run([binary, "check", "--rules", inroot(a.rules)])
        check(r.returncode == 0, "check on the installed rules: " + r.stdout[-500:] + r.stderr[-500:])

        # The installed config with a local feed, state and alerts in the scratch directory.
        cfg["rules"] = [inroot(a.rules)]
        cfg["feeds"] = [{"id": "sample", "url": "file:" + os.path.join(a.source, "config/sample-feed.xml")}]
        cfg["state"] = {"path": os.path.join(tmp, "state.db")}
        alerts = os.path.join(tmp, "alerts.jsonl")
        cfg["sinks"] = [{"type": "jsonl", "path": alerts}]
        conf = os.path.join(tmp, "sanctwatch.yaml")
        with open(conf, "w") as f:
            yaml.safe_dump(cfg, f)
        r = run([binary, "poll", "-c", conf])
        check(r.returncode == 0, "poll on the installed config: " + r.stderr[-800:])
        lines = open(alerts).read().splitlines() if os.path.exists(alerts) else []
        check(len(lines) >= 1, "poll wrote alerts (%d)" % len(lines))

        # The unit's ExecStart by hand (systemd is not PID 1 here): `run` on the same config
        # with fresh state polls, alerts, and stops cleanly on SIGTERM.
        cfg["state"] = {"path": os.path.join(tmp, "state-run.db")}
        alerts_run = os.path.join(tmp, "alerts-run.jsonl")
        cfg["sinks"] = [{"type": "jsonl", "path": alerts_run}]
        with open(conf, "w") as f:
            yaml.safe_dump(cfg, f)
        log = open(os.path.join(tmp, "run.log"), "w")
        daemon = subprocess.Popen([binary, "run", "-c", conf], stdout=log, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline and not (
                os.path.exists(alerts_run) and open(alerts_run).read().count("\n") >= 1):
            time.sleep(0.1)
        daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            code = -1
        log.close()
        ran = open(alerts_run).read().count("\n") if os.path.exists(alerts_run) else 0
        check(ran >= 1, "run alerted: " + open(os.path.join(tmp, "run.log")).read()[-800:])
        check(code == 0, "run stopped on SIGTERM with exit %s" % code)

        if shutil.which("systemd-analyze"):
            # The units as systemd would load them from the package's root: the system's own
            # units (targets the ours depend on) and /bin/kill beside them, as on a real host.
            host_units = os.path.realpath("/lib/systemd/system")
            shutil.copytree(host_units, inroot(host_units), symlinks=True, dirs_exist_ok=True)
            os.makedirs(inroot("/bin"), exist_ok=True)
            shutil.copy2(os.path.realpath("/bin/kill"), inroot("/bin/kill"))
            for unit in ("sanctwatch.service", "sanctwatch-poll.service", "sanctwatch-poll.timer"):
                r = run(["systemd-analyze", "verify", "--man=no", "--root=" + root,
                         os.path.join(a.unitdir, unit)])
                check(r.returncode == 0, "systemd-analyze verify %s: %s" % (unit, r.stderr[-800:]))
        else:
            check(False, "systemd-analyze is missing (package systemd)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
