"""``kb serve`` says where it serves in one line, without the framework's development-server banner."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from indexer import pipeline

from .conftest import CONTENT
from .servers import fetch

LINE = re.compile(r"^Serving the knowledge base on http://127\.0\.0\.1:(\d+)/ \(Ctrl\+C to stop\)$")


def test_one_clear_line_and_no_banner(tmp_path):
    index = tmp_path / "ix"
    pipeline.build(CONTENT, index, full=True)
    env = {**os.environ, "KB_CACHE_DIR": "off", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "import sys; from kb.cli import main; sys.exit(main())"]
    command += ["serve", "--no-index", "--index", str(index), "--content", str(CONTENT), "--port", "0"]
    # Ctrl+C as a terminal sends it, whatever this run inherited (a shell's background job starts with
    # SIGINT ignored, and Python then installs no KeyboardInterrupt handler).
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = server.stdout.readline().rstrip("\n")
        match = LINE.match(first)
        assert match, first
        status, _ = fetch(f"http://127.0.0.1:{match.group(1)}/healthz")
        assert status == 200
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0
    everything = first + out + err
    for banner in ("development server", "WARNING", "Serving Flask app", "Debug mode", "Running on"):
        assert banner not in everything
    assert "GET /healthz 200" in err  # the request log: one line per request


def test_a_busy_port_is_a_clear_error(tmp_path):
    import socket

    from click.testing import CliRunner

    from kb.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["serve", "--no-index", "--index", str(tmp_path / "ix"), "--port", str(port)]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"Port {port} is in use by another program" in result.output
