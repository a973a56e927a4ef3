"""A knowledge base with public, internal (two groups) and draft documents, for the leak tests.

Each document that is not for everyone carries marker words that occur nowhere else: in its
id, title, summary, tags, organisation, region, body, attachment names and its date's year.
A reader who may not see it must find no trace of its marker anywhere (tests/test_access_leaks.py).
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import unicodedata
from pathlib import Path

from indexer import pipeline
from kb.config import Config, build_options

#: Marker stem -> who may read the documents holding it ("draft": nobody but the preview).
MARKERS = {"zorbl": "staff", "quimb": "partners", "vexn": "draft"}
#: The restricted documents' ids (each holds its audience's marker).
RESTRICTED = {
    "internal/zorbla-protokoll": "staff",  # by the folder's rule
    "internal/fam-zorbla-cs": "staff",  # a public family's Czech member, internal by the rule
    "partner/quimbery-anyag": "partners",  # by its own front matter
    "vexnarium-vazlat": "draft",
}
PUBLIC = ["hu/tamogatott-lakhatas", "cs/podporovane-bydleni", "hu/fam-nyilvanos"]
#: One-edit misspellings of the markers' whole words, and the words themselves unaccented.
MARKER_WORDS = ["zorblaxikon", "quimberflott", "vexnardium"]

_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

_DOCS = {
    "hu/tamogatott-lakhatas.md": """\
        ---
        title: Támogatott lakhatás protokoll
        type: protocol
        lang: hu
        date: 2021-03-04
        tags: [lakhatás, protokoll]
        organisation: Kézenfogva Alapítvány
        region: Budapest
        ---

        # Bevezetés

        A támogatott lakhatás egyéni támogatást ad a lakóknak. A támogatási terv évente készül.
        A szolgáltatás a lakók önállóságát segíti, és a közösségi életben való részvételt.
        """,
    "cs/podporovane-bydleni.md": """\
        ---
        title: Podporované bydlení
        type: guidance
        lang: cs
        date: 2022-05-06
        tags: [bydlení]
        ---

        Podporované bydlení dává lidem individuální podporu. Plán podpory se připravuje každý rok.
        Služba podporuje samostatnost a účast na životě komunity.
        """,
    "hu/fam-nyilvanos.md": """\
        ---
        title: Esetmegbeszélés útmutató
        type: guidance
        lang: hu
        date: 2020-01-02
        translation_key: fam-esetmegbeszeles
        ---

        Az esetmegbeszélés a munkatársak rendszeres találkozója. A támogatási terv is szóba kerül.
        """,
    "internal/zorbla-protokoll.md": """\
        ---
        title: Zorblaxikon belső eljárás
        type: protocol
        lang: hu
        date: 1987-05-05
        tags: [zorbltag]
        organisation: Zorblorg Egyesület
        region: Zorblvidék
        summary: Zorblaxikon összefoglaló.
        attachments: [zorbl-melleklet.pdf]
        ---

        A zorblaxikon eljárás a támogatási terv belső része. A zorblaxikonnal dolgozó munkatársak
        ![zorbl kép](zorbl-kep.png) minden esetben jegyzőkönyvet vesznek fel a zorblaxikonról.
        """,
    "internal/fam-zorbla-cs.md": """\
        ---
        title: Zorblaxikon porada
        type: guidance
        lang: cs
        date: 2020-01-02
        translation_key: fam-esetmegbeszeles
        ---

        Zorblaxikon porada pracovníků. Plán podpory a zorblaxikonová pravidla.
        """,
    "partner/quimbery-anyag.md": """\
        ---
        title: Quimberflott partner anyag
        type: presentation
        lang: hu
        date: 2023-07-08
        tags: [quimbtag]
        access: [partners]
        ---

        A quimberflott módszer a partnereknek szól. A támogatott lakhatás quimberflottos változata.
        """,
    "vexnarium-vazlat.md": """\
        ---
        title: Vexnardium vázlat
        type: article
        lang: hu
        date: 2024-09-10
        tags: [vexntag]
        draft: true
        ---

        A vexnardium szöveg még nem kész. A támogatott lakhatás vexnardiumos tervezete.
        """,
}

_GLOSSARY = """\
- id: support-plan
  labels:
    hu: [támogatási terv]
    cs: [plán podpory]
    en: [support plan]
"""


def kb_toml(mode: str) -> str:
    # oidc: a provider that is never asked (the tests put the session in the cookie themselves;
    # tests/test_oidc.py signs in through a real one).
    provider = 'issuer = "http://127.0.0.1:9/"\n        client_id = "kb"' if mode == "oidc" else ""
    return textwrap.dedent(
        f"""\
        [glossary]
        default = false

        [auth]
        mode = "{mode}"
        {provider}

        [access]
        groups = ["staff", "partners", "editors"]

        [[access.rules]]
        path = "internal/**"
        groups = ["staff"]
        """
    )


def _git(repo: Path, *args: str, day: str = "2020-01-01") -> str:
    when = f"{day}T10:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_NAME": "Kiss Éva", "GIT_AUTHOR_EMAIL": "a@example.org", "GIT_AUTHOR_DATE": when}
    env |= {"GIT_COMMITTER_NAME": "Kiss Éva", "GIT_COMMITTER_EMAIL": "a@example.org", "GIT_COMMITTER_DATE": when}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env).stdout.decode()


def _history(root: Path) -> list[str]:
    """Make the folder a git repository whose past holds what an outsider must not see either: the
    public protocol was a draft (with a marker) before it was published, and a commit that touched
    only an internal document says so in its message. Returns every commit id."""
    protocol = root / "content" / "hu" / "tamogatott-lakhatas.md"
    published = protocol.read_text("utf-8")
    draft = published.replace("type: protocol\n", "type: protocol\ndraft: true\n", 1)
    protocol.write_text(draft + "\nA vexnoldal tervezete, még nem nyilvános.\n", "utf-8")
    internal = root / "content" / "internal" / "zorbla-protokoll.md"
    final_internal = internal.read_text("utf-8")
    internal.write_text(final_internal.replace("minden esetben", "néha"), "utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first import", day="2020-01-01")
    internal.write_text(final_internal, "utf-8")
    _git(root, "commit", "-qam", "zorblaxikon: belső változás", day="2020-06-01")
    protocol.write_text(published, "utf-8")
    _git(root, "commit", "-qam", "a protokoll közzététele", day="2021-03-04")
    return _git(root, "rev-list", "HEAD").split()


def write_corpus(root: Path, mode: str = "none") -> Path:
    """The content folder under ``root`` and its kb.toml; returns the kb.toml's path."""
    content = root / "content"
    for rel, text in _DOCS.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    (content / "internal" / "zorbl-melleklet.pdf").write_bytes(b"%PDF-1.4\n% zorbl\n%%EOF\n")
    (content / "internal" / "zorbl-kep.png").write_bytes(_PNG)
    (content / "glossary").mkdir()
    (content / "glossary" / "terms.yaml").write_text(_GLOSSARY, "utf-8")
    config = root / "kb.toml"
    config.write_text(kb_toml(mode), "utf-8")
    (root / "commits.txt").write_text("\n".join(_history(root)), "utf-8")
    return config


def commits(config: Config) -> list[str]:
    """The corpus's commit ids, newest first."""
    return (config.content_dir.parent / "commits.txt").read_text("utf-8").split()


def build(root: Path, mode: str = "none") -> Config:
    """Write the corpus, index it as ``kb index`` would, and return the configuration."""
    config_file = write_corpus(root, mode)
    config = Config.load(
        {"content_dir": root / "content", "index_dir": root / "index", "testing": True},
        environ={"KB_CONFIG": str(config_file)},
    )
    summary = pipeline.build(config.content_dir, config.index_dir, full=True, **build_options(config))
    assert summary.failed == 0, summary.problems
    return config


def folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def misspellings(word: str) -> list[str]:
    """Some one-edit typos of ``word``: a letter dropped, doubled, swapped with the next, replaced."""
    found = []
    for i in range(1, len(word) - 1, 2):
        found.append(word[:i] + word[i + 1 :])
        found.append(word[:i] + word[i] + word[i:])
        found.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
        found.append(word[:i] + ("a" if word[i] != "a" else "e") + word[i + 1 :])
    return found
