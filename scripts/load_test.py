"""Bounded load test of /api/ask on loopback: no 5xx, no lost request, p50/p95 latency, then the rate limit.

    python scripts/load_test.py [--index DIR] [--clients 20] [--seconds 30] [--limit 60/minute]

Starts ``python app.py`` in a subprocess on a free local port (by default with a fake-embedder
index of seeds/ built in a temporary folder; ``--index index`` uses the real one) and runs two phases:

1. throughput: the rate limit set out of reach; ``--clients`` threads, each on its own keep-alive
   connection, ask in a loop for ``--seconds`` (GET and POST alternating, a tenth of the questions
   refused on purpose: too long or k out of range). Every request must get a response (none lost),
   none may be 5xx. Reports status counts, requests/s and p50/p95/p99 latency.
2. rate limit: the app restarted with ``--limit``; the same clients (all one address) ask for
   ``--limit-seconds``. Exactly the limit's number of requests may be answered, every other one must
   be 429 with Retry-After.

Exits 1 when a check fails. Figures for this machine are in docs/api.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "DX推進リーダーって何をする人？", "OCRって何？", "DX推進担当課はどのような経緯で設立されたのですか",
    "コロナ禍でオンライン化は進みましたか", "デジタル人材をどう育てていますか", "住民票の写しはコンビニで取れますか",
    "What is a DX promotion leader?", "世田谷区の進んでいる点は？",
]


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    retry_after_missing: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float, retry_after: str | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)
            if status == 429 and not (retry_after or "").isdigit():
                self.retry_after_missing += 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(index: Path, rate: str, workdir: Path) -> tuple[subprocess.Popen, int, Path]:
    port, log = free_port(), workdir / f"app-{time.monotonic_ns()}.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--index", str(index),
               "--db", str(workdir / "feedback.sqlite3"), "--rate-limit", rate]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited ({process.returncode}); see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/ask?q=DX")
            if connection.getresponse().status == 200:
                return process, port, log
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the app did not start within 10 minutes")


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def request_for(number: int, refuse_every: int) -> tuple[str, str, bytes | None]:
    """(method, path, body): GET and POST alternating; every ``refuse_every``-th one is refused on purpose."""
    question, k = QUESTIONS[number % len(QUESTIONS)], 5
    if refuse_every and number % refuse_every == refuse_every - 1:
        question, k = (question * 100, 5) if number % 2 else (question, 21)
    if number % 2:
        return "POST", "/api/ask", json.dumps({"q": question, "k": k}, ensure_ascii=False).encode()
    return "GET", "/api/ask?" + urllib.parse.urlencode({"q": question, "k": k}), None


def client(port: int, deadline: float, tally: Tally, seed: int, refuse_every: int) -> None:
    connection, number = None, seed * 1000
    while time.monotonic() < deadline:
        method, path, body = request_for(number, refuse_every)
        number += 1
        started = time.perf_counter()
        try:
            connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            tally.add(response.status, time.perf_counter() - started, response.getheader("Retry-After"))
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            with tally.lock:
                tally.lost.append(f"{method} {type(error).__name__}: {error}")
            if connection is not None:
                connection.close()
            connection = None
    if connection is not None:
        connection.close()


def run_phase(port: int, clients: int, seconds: float, refuse_every: int) -> tuple[Tally, float]:
    tally, started = Tally(), time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=client, args=(port, deadline, tally, n, refuse_every)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def report(name: str, tally: Tally, elapsed: float) -> None:
    total = sum(tally.statuses.values())
    ms = [1000 * s for s in tally.latencies]
    counts = ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items()))
    print(f"{name}: {total} responses in {elapsed:.1f} s ({total / elapsed:.0f}/s); {counts}; lost: {len(tally.lost)}")
    print(f"  latency ms: p50 {percentile(ms, 0.5):.1f}, p95 {percentile(ms, 0.95):.1f}, "
          f"p99 {percentile(ms, 0.99):.1f}, max {max(ms, default=float('nan')):.1f}")
    for line in tally.lost[:5]:
        print(f"  lost: {line}")


def server_errors(log: Path) -> int:
    text = log.read_text(encoding="utf-8", errors="replace")
    return text.count("Traceback") + text.count("ERROR")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index to serve (default: a fake-embedder index of seeds/)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--limit", default="60/minute", help="rate limit for phase 2 (default: %(default)s)")
    parser.add_argument("--limit-seconds", type=float, default=10)
    args = parser.parse_args(argv)
    failures = []
    with tempfile.TemporaryDirectory(prefix="load-test-") as temp:
        workdir = Path(temp)
        index = args.index
        if index is None:
            from retrieval import HashingEmbedder, Retriever, load_seeds

            index = workdir / "index"
            Retriever.build(load_seeds(ROOT / "seeds"), index, embedder=HashingEmbedder())
        print(f"index: {index.resolve()}; {args.clients} clients on loopback; {os.cpu_count()} CPUs")

        process, port, log = start_app(index, "1000000/minute", workdir)
        try:
            tally, elapsed = run_phase(port, args.clients, args.seconds, refuse_every=10)
        finally:
            stop_app(process)
        report(f"phase 1, {args.seconds:.0f} s, rate limit out of reach", tally, elapsed)
        if any(status >= 500 for status in tally.statuses) or tally.lost:
            failures.append("phase 1: 5xx or lost requests")
        if set(tally.statuses) - {200, 400}:
            failures.append(f"phase 1: unexpected statuses {sorted(tally.statuses)}")
        if server_errors(log):
            failures.append(f"phase 1: errors in the server log {log}")

        from limits import parse_many

        allowed = min(item.amount for item in parse_many(args.limit))
        process, port, log = start_app(index, args.limit, workdir)
        try:
            tally, elapsed = run_phase(port, args.clients, args.limit_seconds, refuse_every=0)
        finally:
            stop_app(process)
        report(f"phase 2, {args.limit_seconds:.0f} s, rate limit {args.limit} (all clients one address)",
               tally, elapsed)
        print(f"  answered {tally.statuses[200]} (limit {allowed}), refused with 429: {tally.statuses[429]}, "
              f"429 without Retry-After: {tally.retry_after_missing}")
        # The readiness probe of start_app was the first request of the window.
        if tally.statuses[200] != allowed - 1 or set(tally.statuses) - {200, 429} or tally.lost:
            failures.append("phase 2: not exactly the limit answered and only 429s after it")
        if tally.retry_after_missing:
            failures.append("phase 2: a 429 without Retry-After")
    for failure in failures:
        print(f"FAILED {failure}")
    print("ok" if not failures else "")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
