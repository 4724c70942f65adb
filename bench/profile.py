#!/usr/bin/env python3
"""Profiles the /api/me hot path: the release server on a seeded SQLite (or
PostgreSQL) database under wrk, sampled by `perf record`; prints the hottest
symbols. Usage: python3 bench/profile.py [sqlite|postgres] [seconds]"""
import os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

backend_name = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
run.sh("cargo", "build", "--release", "-p", "tokenauth", capture=False)
work = tempfile.mkdtemp(prefix="tokenauth-profile-")
backend = run.Backend(backend_name, work)
try:
    run.sh(run.BINARY, "migrate", env=run.server_env(backend, 0))
    keys, emails = run.seed(backend, 2000, work)
    server = run.Server(backend, os.path.join(work, "server.log"))
    data = os.path.join(work, "perf.data")
    perf = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-o", data, "-p", str(server.process.pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = run.wrk(server, "me", 32, seconds, keys, emails, "profile")
    perf.send_signal(2)
    perf.wait()
    server.stop()
    print(f"/api/me: {result['rps']:,.0f}/s, p99 {result['p99_us'] / 1000:.2f} ms", file=sys.stderr)
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "--sort", "dso,symbol",
                             "--percent-limit", "1.5", "-g", "none"], capture_output=True, text=True).stdout
    print("\n".join(line for line in report.splitlines() if line and not line.startswith("#")))
finally:
    backend.drop()
