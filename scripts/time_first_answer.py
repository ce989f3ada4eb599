"""Seconds from `python app.py` to the first answer over HTTP, with a fresh index and an existing one.

    python scripts/time_first_answer.py [--runs 3]

Starts app.py in a subprocess on a free port (index and database in a temporary folder), polls
the /chat endpoint with gradio_client until it answers, then stops the app.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "DX推進リーダーって何をする人?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_answer(index: Path, db: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index), "--db", str(db)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    try:
        while True:
            if app.poll() is not None:
                raise SystemExit("app.py stopped before answering")
            try:
                reply = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(QUESTION, api_name="/chat")
            except Exception:  # not listening yet
                time.sleep(0.1)
                continue
            if "<blockquote" not in reply:
                raise SystemExit(f"unexpected reply: {reply[:200]}")
            return time.perf_counter() - started
    finally:
        app.terminate()
        app.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fresh, existing = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            index, db = Path(folder) / "index", Path(folder) / "feedback.sqlite3"
            fresh.append(first_answer(index, db))
            existing.append(first_answer(index, db))
    for name, times in (("fresh index (built from seeds/)", fresh), ("existing index", existing)):
        print(f"{name}: median {statistics.median(times):.1f} s  (runs: {', '.join(f'{t:.1f}' for t in times)})")


if __name__ == "__main__":
    main()
