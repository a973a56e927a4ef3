"""Two gunicorn replicas behind haproxy (deploy/), sharing one index folder: killing one with SIGKILL
and starting it again costs no request. Loopback only; skipped without Debian's haproxy."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from indexer import pipeline

from .conftest import CONTENT, ROOT
from .servers import fetch, free_port, stop, wait_until_serving

HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
pytestmark = pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (apt-get install haproxy)")

QUERIES = ["tamogatott lakhatas", "sociální služby", "Szeged", "forum", "szolgáltatási gyűrű", "transformace"]
MAX_REQUESTS = 4000  # a hard bound; the run stops well before it
AFTER_RECOVERY = 100  # requests once the restarted replica is back in rotation


def haproxy_status(sock: Path) -> dict[str, dict[str, str]]:
    """``show stat`` of the runtime API: per server of the backend, its status and request counts."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.connect(str(sock))
        conn.sendall(b"show stat\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    rows = csv.DictReader(data.decode().lstrip("# ").splitlines())
    return {row["svname"]: row for row in rows if row["pxname"] == "replicas" and row["svname"] != "BACKEND"}


def aborted_answers(log: Path, server: str) -> list[str]:
    """haproxy log lines of answers ``server`` began and never finished (termination state "SD")."""
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if f" {server} " in line and " SD" in line]


def wait_for_status(sock: Path, server: str, status: str, attempts: int = 1200) -> float:
    """Poll until ``server`` has ``status``; returns the monotonic time it was first seen."""
    for _ in range(attempts):
        if haproxy_status(sock)[server]["status"] == status:
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError(f"{server} never became {status}")


class Replica:
    def __init__(self, port: int, env: dict, cwd: Path):
        self.port, self.env, self.cwd = port, env, cwd
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        command += ["-b", f"127.0.0.1:{self.port}", "-w", "1", "kb.wsgi:app"]
        log = (self.cwd / f"replica-{self.port}.log").open("a")
        # A session of its own: SIGKILL to the group takes the master and its workers at once.
        self.process = subprocess.Popen(
            command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until_serving(f"http://127.0.0.1:{self.port}/healthz", self.process)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture()
def cluster(tmp_path):
    index = tmp_path / "index"
    pipeline.build(CONTENT, index, full=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_INDEX_DIR=str(index), KB_SECRET_KEY="replica-test-" + "x" * 20, KB_CACHE_DIR="off")
    env.update(KB_LOG_LEVEL="WARNING", KB_CONTENT_DIR=str(CONTENT))
    front, ports = free_port(), [free_port(), free_port()]
    sock = tmp_path / "haproxy.sock"
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    for old, new in [("127.0.0.1:8000", front), ("127.0.0.1:8001", ports[0]), ("127.0.0.1:8002", ports[1])]:
        config = config.replace(old, f"127.0.0.1:{new}")
    config = config.replace("/run/haproxy/kb-admin.sock", str(sock))
    (tmp_path / "haproxy.cfg").write_text(config)
    replicas = [Replica(port, env, tmp_path) for port in ports]
    for replica in replicas:
        replica.start()
    proxy = subprocess.Popen(
        [HAPROXY, "-db", "-f", str(tmp_path / "haproxy.cfg")],
        stdout=(tmp_path / "haproxy.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{front}/healthz", proxy)
        for name in ("replica-1", "replica-2"):
            wait_for_status(sock, name, "UP")
        yield f"http://127.0.0.1:{front}", replicas, sock
    finally:
        stop(proxy)
        for replica in replicas:
            if replica.process and replica.process.poll() is None:
                os.killpg(replica.process.pid, signal.SIGTERM)
                replica.process.wait(timeout=30)


def test_killing_a_replica_fails_no_request(cluster):
    base, replicas, sock = cluster
    outcomes: list[tuple[int | str, float]] = []  # (status or error, seconds)
    lock, stopping = threading.Lock(), threading.Event()

    def client(number: int) -> None:
        while not stopping.is_set():
            with lock:
                sent = len(outcomes)
                if sent >= MAX_REQUESTS:
                    return
            query = QUERIES[(sent + number) % len(QUERIES)]
            started = time.monotonic()
            try:
                status, _body = fetch(f"{base}/api/search?q={quote(query)}&limit=5", timeout=30)
            except Exception as error:  # any way a request can fail is a failed request
                status = f"{type(error).__name__}: {error}"
            with lock:
                outcomes.append((status, time.monotonic() - started))

    def sent() -> int:
        with lock:
            return len(outcomes)

    def wait_for_requests(count: int) -> None:
        while sent() < count and all(t.is_alive() for t in clients):
            time.sleep(0.01)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(2)]
    for thread in clients:
        thread.start()
    wait_for_requests(100)
    killed_at = time.monotonic()
    replicas[0].kill()
    down_at = wait_for_status(sock, "replica-1", "DOWN")
    during_outage = sent()
    replicas[0].start()
    up_at = wait_for_status(sock, "replica-1", "UP")
    served_before = int(haproxy_status(sock)["replica-1"]["stot"])
    back_from = sent()
    wait_for_requests(back_from + AFTER_RECOVERY)
    stopping.set()
    for thread in clients:
        thread.join(timeout=60)

    failures = [status for status, _ in outcomes if status != 200]
    # An answer cut off mid-way (haproxy logs it "SD": the replica died after its headers) is the one
    # loss no proxy can retry; deploy/gunicorn.conf.py corks headers and body together to prevent it.
    cut_off = aborted_answers(sock.parent / "haproxy.log", "replicas/replica-1")
    slowest = max(seconds for _, seconds in outcomes)
    stats = haproxy_status(sock)
    print(
        f"\n{len(outcomes)} requests, {len(failures)} failed ({len(cut_off)} cut off mid-answer); "
        f"replica-1 marked DOWN {down_at - killed_at:.2f} s after SIGKILL "
        f"({during_outage - 100} requests meanwhile), back UP {up_at - killed_at:.2f} s after it; "
        f"slowest answer {slowest * 1000:.0f} ms; "
        f"served by replica-1/replica-2: {stats['replica-1']['stot']}/{stats['replica-2']['stot']}; "
        f"haproxy retries {stats['replica-1']['wretr']}/{stats['replica-2']['wretr']}, "
        f"redispatches {stats['replica-1']['wredis']}/{stats['replica-2']['wredis']}"
    )
    assert len(outcomes) < MAX_REQUESTS, "the bound was reached before the scenario finished"
    assert failures == [], (failures, cut_off)
    assert int(stats["replica-2"]["stot"]) > 0
    assert int(stats["replica-1"]["stot"]) > served_before  # the restarted replica is back in rotation


def test_slow_clients_do_not_hold_a_replica(cluster):
    """Connections that dribble their headers (slowloris) wait in haproxy, not in a sync worker: a
    normal client is still served, and haproxy drops them after `timeout http-request` (408)."""
    base, _, _ = cluster
    port = int(base.rsplit(":", 1)[1])
    slow = []
    for _ in range(20):  # ten times the replicas' workers
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n")  # never ends its headers
        slow.append(sock)
    try:
        started = time.monotonic()
        statuses = [fetch(f"{base}/api/search?q={quote(q)}", timeout=10)[0] for q in QUERIES * 2]
        assert statuses == [200] * len(statuses)
        assert time.monotonic() - started < 8  # a generous bound: stalled workers would take 30 s each
        answer = slow[0].recv(4096)  # haproxy gives up on the incomplete request (timeout http-request 5s)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    finally:
        for sock in slow:
            sock.close()


def hook_request(port: int, headers: bytes, body: bytes = b"{") -> socket.socket:
    """Start a POST /hooks/git that sends its headers and one byte of its body, then nothing more."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    start = b"POST /hooks/git HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    sock.sendall(start + headers + b"\r\n")
    sock.sendall(body)
    return sock


def test_a_hook_request_that_cannot_be_a_push_never_reaches_a_replica(cluster):
    """Three POSTs announcing a 20 MB body and sending a byte (the attack that made both workers of a
    replica time out) are refused by haproxy from their headers, at once, and searches go on."""
    base, _, sock_path = cluster
    port = int(base.rsplit(":", 1)[1])
    served = {name: int(row["stot"]) for name, row in haproxy_status(sock_path).items()}
    signed = b"X-Hub-Signature-256: sha256=" + b"ab" * 32 + b"\r\n"
    cases = [
        (signed + b"Content-Length: 20000000\r\n", b"413"),
        (signed + b"Content-Length: 20000000\r\n", b"413"),
        (signed + b"Content-Length: 20000000\r\n", b"413"),
        (b"Content-Length: 100\r\n", b"403"),  # no signature
        (signed + b"Transfer-Encoding: chunked\r\n", b"411"),
    ]
    started = time.monotonic()
    answers = []
    for headers, _ in cases:
        conn = hook_request(port, headers)
        try:
            answers.append(conn.recv(4096))
        finally:
            conn.close()
    waited = time.monotonic() - started
    for answer, (_, status) in zip(answers, cases, strict=True):
        assert answer.startswith(b"HTTP/1.1 " + status) and b'{"error": ' in answer, answer[:200]
    assert waited < 3, waited  # no body awaited (that would be 5 s each, then a 408)
    assert [fetch(f"{base}/api/search?q=Szeged", timeout=10)[0] for _ in range(4)] == [200] * 4
    assert fetch(f"{base}/healthz", timeout=10)[0] == 200
    after = {name: int(row["stot"]) for name, row in haproxy_status(sock_path).items()}
    assert sum(after.values()) - sum(served.values()) == 5  # the searches and the health check only
    log = (sock_path.parent / "haproxy.log").read_text(errors="replace").splitlines()
    refused = [line for line in log if "/hooks/git" in line]
    assert len(refused) == len(cases) and all("<NOSRV>" in line for line in refused), refused


def test_the_client_never_chooses_the_scheme_or_prefix_of_the_sites_addresses(cluster):
    """Without site.url the site writes its addresses with the scheme gunicorn reports, which it takes
    from X-Forwarded-Proto (and, by default, two other headers) when haproxy sends it: haproxy removes
    the client's and sets its own. A SCRIPT_NAME header would set a path prefix: removed too."""
    base, _, _ = cluster
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl"}
    for headers in ({}, forged, {"X-Forwarded-Proto": "https"}):
        status, body = fetch(f"{base}/robots.txt", headers=headers)
        assert status == 200 and f"Sitemap: {base}/sitemap.xml" in body.decode().splitlines(), body
    status, body = fetch(f"{base}/evil/robots.txt", headers={"SCRIPT_NAME": "/evil"})
    assert status == 404 and b"/evil/sitemap.xml" not in body
