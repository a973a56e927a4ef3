"""Slow clients against gunicorn's sync workers, alone and behind haproxy (issue 16).

Why: a sync worker serves one connection at a time, from its first header byte to its
last response byte. A client that dribbles its headers (slowloris) or reads a large
answer slowly holds that worker for as long as it likes, up to gunicorn's 30 s
timeout, and a few such clients hold every worker. This measures what a normal client
sees while ``--slow`` such connections are open: one thread requesting ``/search`` and
``/`` in turn, p50/p95/max and errors (a request not answered in 10 s is an error).

Setups: ``gunicorn -w 2 kb.wsgi:app`` alone, and deploy/haproxy.cfg in front of two
replicas of deploy/gunicorn.conf.py with one worker each (the same two workers).
Phases per setup, ``--seconds`` each: no slow clients; slow headers (a connection
sends one more header line every second and never ends its request); slow readers
(a connection asks for a large page with a 4 KB receive buffer and reads 1 KB a
second: ``/sitemap.xml``, 124 KB at 1,000 documents, and a 1.5 MB document the bench
adds to its copy of the corpus). Loopback only; everything stops by itself.

    python bench/slowclients.py --slow 100 --seconds 20     # ~4 min with a cached index
"""

from __future__ import annotations

import argparse
import http.client
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from production import free_port, make_queries, percentile  # noqa: E402

OUT = HERE / "out"
KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
HOST = "127.0.0.1"  # loopback only
NORMAL_TIMEOUT = 10.0  # seconds: a normal request slower than this counts as failed
PHASES = [(None, ""), ("headers", "/"), ("reader", "/sitemap.xml"), ("reader", "/doc/big/slow-reader")]


class SlowClients:
    """``count`` connections kept slow by one thread: dribbled headers or a slow read."""

    def __init__(self, port: int, count: int, kind: str, path: str = "/"):
        self.port, self.count, self.kind, self.path = port, count, kind, path
        self.stop = threading.Event()
        self.opened = self.closed_by_server = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def connect(self) -> socket.socket:
        sock = socket.socket()
        if self.kind == "reader":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(5)
        sock.connect((HOST, self.port))
        if self.kind == "reader":
            sock.sendall(f"GET {self.path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        else:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        sock.setblocking(False)
        self.opened += 1
        return sock

    def run(self) -> None:
        socks = []
        for _ in range(self.count):
            try:
                socks.append(self.connect())
            except OSError:
                pass
        while not self.stop.wait(1.0):
            alive = []
            for sock in socks:
                try:
                    if self.kind == "reader":
                        if select.select([sock], [], [], 0)[0] and not sock.recv(1024):
                            raise ConnectionResetError
                    else:
                        sock.send(b"X-Slow: 1\r\n")
                    alive.append(sock)
                except OSError:
                    sock.close()
                    self.closed_by_server += 1
                    try:
                        alive.append(self.connect())  # an attacker comes back at once
                    except OSError:
                        pass
            socks = alive
        for sock in socks:
            sock.close()


def normal_client(port: int, seconds: float, queries: list[str]) -> dict[str, list]:
    """One client, a new connection per request: ``/search`` and ``/`` in turn for ``seconds``."""
    times: dict[str, list] = {"/search": [], "/": [], "errors": []}
    end = time.monotonic() + seconds
    number = 0
    while time.monotonic() < end:
        page = "/search" if number % 2 == 0 else "/"
        path = f"/search?q={urllib.parse.quote(queries[number % len(queries)])}" if page == "/search" else "/"
        number += 1
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=NORMAL_TIMEOUT)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            ok = response.status == 200
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            ok, status = False, exc.__class__.__name__
        elapsed = (time.perf_counter() - started) * 1000
        times[page].append(elapsed)
        if not ok:
            times["errors"].append(f"{status} {page}")
    return times


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT)


def wait_serving(port: int, process: subprocess.Popen) -> None:
    for _ in range(240):
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"nothing answers on {port}")


def gunicorn_alone(env: dict, place: Path) -> tuple[int, list[subprocess.Popen]]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"{HOST}:{port}", "kb.wsgi:app"]
    server = start(command, env, place / "gunicorn.log")
    wait_serving(port, server)
    return port, [server]


def behind_haproxy(env: dict, place: Path) -> tuple[int, list[subprocess.Popen]]:
    """deploy/haproxy.cfg with its ports moved to free ones, over two one-worker replicas."""
    front, ports = free_port(), [free_port(), free_port()]
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    for old, new in [("127.0.0.1:8000", front), ("127.0.0.1:8001", ports[0]), ("127.0.0.1:8002", ports[1])]:
        config = config.replace(old, f"127.0.0.1:{new}")
    config = config.replace("/run/haproxy/kb-admin.sock", str(place / "haproxy.sock"))
    config = config.replace("maxconn 2", "maxconn 1")  # one worker per replica here
    (place / "haproxy.cfg").write_text(config)
    processes = []
    for port in ports:
        command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "1"]
        processes.append(start([*command, "-b", f"{HOST}:{port}", "kb.wsgi:app"], env, place / f"replica-{port}.log"))
        wait_serving(port, processes[-1])
    processes.append(start([HAPROXY, "-db", "-f", str(place / "haproxy.cfg")], env, place / "haproxy.log"))
    wait_serving(front, processes[-1])
    time.sleep(1.5)  # both replicas UP in haproxy's checks
    return front, processes


def measure(port: int, count: int, kind: str | None, path: str, seconds: float, queries: list[str]) -> dict:
    slow = SlowClients(port, count, kind, path) if kind else None
    if slow:
        slow.thread.start()
        time.sleep(min(3.0, seconds / 4))  # every slow connection open before the clock starts
    times = normal_client(port, seconds, queries)
    if slow:
        slow.stop.set()
        slow.thread.join(timeout=30)
        times["slow"] = (slow.opened, slow.closed_by_server)
    return times


def row(setup: str, kind: str | None, path: str, count: int, times: dict) -> str:
    cells = [setup, f"{count} {kind} `{path}`" if kind else "0"]
    for page in ("/search", "/"):
        values = times[page] or [float("nan")]
        cells += [f"{len(times[page])}", f"{percentile(values, 50):.0f}", f"{percentile(values, 95):.0f}"]
        cells.append(f"{max(values):.0f}")
    cells.append(str(len(times["errors"])))
    opened, closed = times.get("slow", ("", ""))
    cells.append(f"{opened} / {closed}" if kind else "")
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="documents of the generated corpus")
    parser.add_argument("--slow", type=int, default=100, help="slow connections")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--setups", nargs="+", default=["gunicorn", "haproxy"], choices=["gunicorn", "haproxy"])
    args = parser.parse_args(argv)

    place = OUT / f"slow-{args.size}"
    content = place / "content"
    if not content.exists():
        shutil.copytree(generate.ensure(args.size, OUT / f"corpus-{args.size}"), content)
        paragraphs = "".join(
            f"{n}. {s}\n\n" for n, s in enumerate(generate.load_sentences(generate.DEFAULT_SOURCE, "hu"))
        )
        (content / "big").mkdir()
        big = paragraphs * (1_500_000 // len(paragraphs.encode()) + 1)
        (content / "big" / "slow-reader.md").write_text(f"---\ntitle: Nagy\ntype: article\nlang: hu\n---\n\n{big}")
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content),
        "KB_INDEX_DIR": str(place / "index"),
        "KB_SECRET_KEY": "slow-" + os.urandom(16).hex(),
        "KB_LOG_LEVEL": "WARNING",
    }
    place.mkdir(parents=True, exist_ok=True)
    if not (place / "index" / "current").exists():
        subprocess.run([KB, "index", "--full"], env=env, check=True, capture_output=True)
    queries = make_queries(40)
    header = "| setup | slow connections | /search n | p50 ms | p95 ms | max ms | / n | p50 ms | p95 ms | max ms "
    lines = [header + "| errors | slow opened / closed by server |", "|---" * 12 + "|"]
    for setup in args.setups:
        port, processes = (gunicorn_alone if setup == "gunicorn" else behind_haproxy)(env, place)
        try:
            for kind, path in PHASES:
                times = measure(port, args.slow, kind, path, args.seconds, queries)
                lines.append(row(setup, kind, path, args.slow, times))
                print(lines[-1], file=sys.stderr, flush=True)
                time.sleep(2)  # the slow connections' workers free again
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
