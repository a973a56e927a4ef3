"""Time ``kb index --full`` and ``kb check`` on each pathological file, alone in a content folder.

Why: one odd Markdown file used to stall every build (issue 16). Each case is a
folder with the odd file and one good document; the figure is the wall time of the
command (including its ~0.5 s start-up) and the error line it printed.
``--unlimited`` lifts every limit of indexer/guards/limits.py through its setting, which
is the renderer as it was before them (the "before" column).

    python bench/pathological.py                 # with the limits
    python bench/pathological.py --unlimited --timeout 90
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"
FRONT = "---\ntitle: {}\ntype: article\nlang: en\n---\n\n"
CASES = {
    "50,000 nested [ (100 KB)": "[" * 50_000 + "]" * 50_000,
    "200,000 &#x41; (1.2 MB)": "&#x41;" * 200_000,
    "3,000 list levels, one line (6 KB)": "- " * 3_000 + "item",
    "3,000 list levels, indented (9 MB)": "".join("  " * i + "- item\n" for i in range(3_000)),
    "20,000 unclosed links (80 KB)": "[a](" * 20_000,
    "5,000-column table, 20 rows (600 KB)": "\n".join(
        "|" + "|".join(["cell"] * 5_000) + "|" if r != 1 else "|" + "---|" * 5_000 for r in range(20)
    ),
}
UNLIMITED = {
    "KB_MAX_DOC_BYTES": "100000000",
    "KB_MAX_NESTING": "1000000000",
    "KB_MAX_CHARACTER_REFERENCES": "1000000000",
    "KB_MAX_LINKS": "1000000000",
    "KB_MAX_TABLE_COLUMNS": "1000000000",
    "KB_MAX_DOC_SECONDS": "1000000",
}


def timed(args: list[str], env: dict, timeout: float) -> tuple[str, str]:
    started = time.perf_counter()
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s (stopped)", ""
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    errors = [line.split(": error: ", 1)[1] for line in output.splitlines() if ": error: " in line]
    crashed = "Traceback" in output
    outcome = errors[0] if errors else ("crashed: " + output.strip().splitlines()[-1] if crashed else "indexed")
    return f"{seconds:.1f} s", outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unlimited", action="store_true", help="lift every limit (the renderer before them)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a command is stopped")
    parser.add_argument("--check", action="store_true", help="time kb check as well")
    args = parser.parse_args()
    env = {**os.environ, "KB_CACHE_DIR": os.environ.get("KB_CACHE_DIR", "off"), "KB_INDEX_WORKERS": "1"}
    if args.unlimited:
        env.update(UNLIMITED)
    print("| file | kb index --full | outcome |" + (" kb check |" if args.check else ""))
    print("|---|---|---|" + ("---|" if args.check else ""))
    with tempfile.TemporaryDirectory(prefix="kb-pathological-") as tmp:
        for number, (name, body) in enumerate(CASES.items()):
            content = Path(tmp) / f"case-{number}"
            content.mkdir()
            (content / "odd.md").write_text(FRONT.format("odd") + body + "\n", "utf-8")
            (content / "good.md").write_text(FRONT.format("good") + "A good document.\n", "utf-8")
            index = [KB, "index", "--full", "--content", str(content), "--index", str(Path(tmp) / f"ix-{number}")]
            seconds, outcome = timed(index, env, args.timeout)
            row = f"| {name} | {seconds} | {outcome} |"
            if args.check:
                row += f" {timed([KB, 'check', '--content', str(content)], env, args.timeout)[0]} |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
