"""Convert the EuroVoc extract (../shared/thesaurus/eurovoc-social.json) into the default glossary.

Run once when the extract changes; the output is committed, because a user's clone has
no ../shared:  python scripts/eurovoc_glossary.py [SOURCE] [OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent.parent / "shared" / "thesaurus" / "eurovoc-social.json"
OUT = ROOT / "indexer" / "data" / "glossary" / "eurovoc-social.yaml"
LANGS = ("hu", "cs", "en", "sk", "de", "pl")

HEADER = """\
# EuroVoc, the EU's multilingual thesaurus: descriptors of domain 28 "social questions"
# and microthesaurus 1626, preferred labels in hu, cs, en, sk, de, pl.
# © European Union, EuroVoc (Publications Office of the European Union; reuse with
# acknowledgement, CC BY 4.0). Converted by scripts/eurovoc_glossary.py from
# github.com/bocchilorenzo/AutoEuroVoc config/label_mappings_tc at commit
# 524be94037fb27ae0d564b8fea5e8ca2488e7c20. Do not edit by hand: add concepts to
# social-services.yaml or to content/glossary/.
"""


def convert(source: Path) -> list[dict]:
    data = json.loads(source.read_text("utf-8"))
    seen: dict[tuple[str, str], str] = {}
    concepts = []
    for item in sorted(data["concepts"], key=lambda c: c["id"]):
        labels = {}
        for lang in LANGS:
            text = " ".join((item["labels"].get(lang) or "").split())
            key = (lang, text.lower())
            if not text or key in seen:  # one label, one concept per language (one sk label is doubled)
                continue
            seen[key] = item["id"]
            labels[lang] = [text]
        concepts.append({"id": f"eurovoc-{item['id']}", "labels": labels})
    return concepts


def main(argv: list[str]) -> None:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    out = Path(argv[2]) if len(argv) > 2 else OUT
    body = yaml.safe_dump(convert(source), allow_unicode=True, sort_keys=False, width=200, default_flow_style=None)
    out.write_text(HEADER + body, "utf-8")
    print(f"{out}: {body.count('- id:')} concepts")


if __name__ == "__main__":
    main(sys.argv)
