"""Drafts and access on the build side: front matter, kb.toml's groups and rules, ``kb check``,
the ``audience`` the index and the catalogue store, and what ``kb index`` reports of them."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.index import open_dir

from indexer import pipeline
from indexer.documents.access import GROUP_NAME, AccessRule, AccessRules, clean_glob
from indexer.documents.load import DocumentError, parse
from indexer.generation import catalogue
from kb.cli import main
from kb.config import Config, ConfigError

from .conftest import write_doc

TEXT = "Supported living helps people live in ordinary homes with the support they need every day."
RULES = AccessRules(("staff", "partners"), (AccessRule("internal/**", ("staff",)),))


def parsed(root: Path, front: str, rel: str = "a.md", rules: AccessRules = RULES):
    path = write_doc(root, rel, f"title: T\ntype: guidance\nlang: en\n{front}", TEXT)
    return parse(path, root, access=rules)


def problem(root: Path, front: str, rel: str = "a.md") -> str:
    with pytest.raises(DocumentError) as caught:
        parsed(root, front, rel)
    return str(caught.value.problem)


# -- front matter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "draft", "access"),
    [
        ("", False, ()),
        ("draft: true", True, ()),
        ("draft: false", False, ()),
        ("access: public", False, ()),
        ("access: [staff]", False, ("staff",)),
        ("access: staff", False, ("staff",)),  # one name: a one-item list
        ("access: [ staff , partners ]", False, ("staff", "partners")),
        ("access:\n  - partners\n  - staff\n  - partners", False, ("partners", "staff")),  # each once
        ("access: [public]", False, ()),
        ("access: [Staff_2-x]", False, ("Staff_2-x",)),  # kept as written
        ("draft: true\naccess: [staff]", True, ("staff",)),
    ],
)
def test_draft_and_access_are_read(tmp_path, front, draft, access):
    doc = parsed(tmp_path, front)
    assert (doc.draft, doc.access) == (draft, access)
    assert not doc.warnings  # known fields: no "unknown field" warning


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("draft: yes please", "a.md:5: error: field 'draft' is 'yes please', expected true or false"),
        ("draft: 1", "a.md:5: error: field 'draft' is '1', expected true or false"),
        ("draft: 'true'", "a.md:5: error: field 'draft' is 'true', expected true or false"),
        ("draft:", "a.md:5: error: field 'draft' is empty, expected true or false"),
        ("access: []", "a.md:5: error: field 'access': an empty list: write 'public', or name the groups"),
        ("access: [staff, '']", "a.md:5: error: field 'access': a group name is empty"),
        ("access: staff team", "a.md:5: error: field 'access': group name 'staff team' may only hold letters"),
        ("access: [staff, public]", "a.md:5: error: field 'access': 'public' cannot be a group name"),
        ("access: 12", "a.md:5: error: field 'access': expected 'public' or a list of group names"),
        ("access: {staff: true}", "a.md:5: error: field 'access': expected 'public' or a list of group names"),
        ("access: [[staff]]", "a.md:5: error: field 'access': a group name is text, not a list"),
        ("access: ['@draft']", "a.md:5: error: field 'access': group name '@draft' may only hold letters"),
    ],
)
def test_bad_draft_or_access_names_file_line_and_field(tmp_path, front, expected):
    assert problem(tmp_path, front).startswith(expected)


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner))
_ROOT = Path(tempfile.mkdtemp(prefix="kb-access-"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(["access", "draft"]), value=_VALUES)
def test_any_yaml_value_is_accepted_or_a_clear_problem(field, value):
    front = yaml.safe_dump({field: value}, allow_unicode=False, default_flow_style=True, width=10_000).strip()[1:-1]
    try:
        doc = parsed(_ROOT, front)
    except DocumentError as exc:
        found = exc.problem
        assert (found.path, found.line, found.severity) == ("a.md", 5, "error"), found
        assert found.message.startswith(f"field '{field}'"), found
        return
    assert isinstance(doc.draft, bool) and (field != "draft" or doc.draft is value)
    assert all(GROUP_NAME.fullmatch(name) for name in doc.access), doc.access
    if field == "access" and value is not None and doc.access:
        assert set(doc.access) <= ({value.strip()} if isinstance(value, str) else {str(v).strip() for v in value})


# -- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "doc_id", "matches"),
    [
        ("internal/**", "internal/a", True),
        ("internal/**", "internal/x/y/z", True),
        ("internal/**", "internal", False),
        ("internal/**", "hu/internal/a", False),
        ("internal/*", "internal/a", True),
        ("internal/*", "internal/x/a", False),  # one * stays in its folder
        ("internal/*.md", "internal/a", True),  # the file's path counts too
        ("**/drafts/**", "drafts/a", True),
        ("**/drafts/**", "hu/x/drafts/a", True),
        ("hu/tl-?", "hu/tl-1", True),
        ("hu/tl-?", "hu/tl-12", False),
        ("hu/a", "hu/a", True),
        ("hu/a", "hu/ab", False),
        ("hu/a+b[1]", "hu/a+b[1]", True),  # no regular-expression or class meaning
    ],
)
def test_rule_globs(pattern, doc_id, matches):
    assert AccessRule(pattern, ("staff",)).matches(doc_id) is matches


def test_rule_paths_are_relative_to_the_content_folder():
    assert [clean_glob(p) for p in ("/internal/**", "./internal/", "internal/", " a/* ")] == [
        "internal/**",
        "internal/**",
        "internal/**",
        "a/*",
    ]


def test_first_matching_rule_wins_and_front_matter_overrides(tmp_path):
    rules = AccessRules(
        ("staff", "partners"),
        (
            AccessRule("internal/open/**", ()),  # public, before the wider rule
            AccessRule("internal/**", ("staff",)),
            AccessRule("internal/partners/**", ("partners",)),  # never reached: the rule above matches first
        ),
    )
    assert rules.default_for("internal/open/a") == ()
    assert rules.default_for("internal/partners/a") == ("staff",)
    assert rules.default_for("hu/a") is None
    assert parsed(tmp_path, "", "internal/a.md", rules).access == ("staff",)
    assert parsed(tmp_path, "access: public", "internal/b.md", rules).access == ()
    assert parsed(tmp_path, "access: [partners]", "internal/c.md", rules).access == ("partners",)
    assert parsed(tmp_path, "", "internal/open/d.md", rules).access == ()
    assert parsed(tmp_path, "draft: true", "internal/e.md", rules).access == ("staff",)


# -- kb.toml --------------------------------------------------------------------------------

ACCESS_TOML = """
[access]
groups = ["staff", "partners"]

[[access.rules]]
path = "internal/**"
groups = ["staff"]

[[access.rules]]
path = "open/"
groups = "public"
"""


def load_toml(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "kb.toml"
    path.write_text(text, "utf-8")
    return Config.load(environ={"KB_CONFIG": str(path)})


def test_kb_toml_access_settings(tmp_path):
    config = load_toml(tmp_path, ACCESS_TOML)
    assert config.access == AccessRules(
        ("staff", "partners"), (AccessRule("internal/**", ("staff",)), AccessRule("open/**", ()))
    )
    assert Config().access == AccessRules()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[access]\ngroups = "staff"', "kb.toml: access.groups: expected a list of group names"),
        ('[access]\ngroups = ["staff", "st aff"]', "group name 'st aff' may only hold letters"),
        ('[access]\ngroups = ["staff", "staff"]', "each once"),
        ('[access]\nrules = "internal/**"', "kb.toml: access.rules: expected tables [[access.rules]]"),
        ('[[access.rules]]\npath = "internal/**"', "rule 1 has path"),
        ('[[access.rules]]\npath = "x/**"\ngroup = ["staff"]', "rule 1 has path, group"),
        ('[[access.rules]]\npath = ""\ngroups = "public"', "rule 1's path is not a glob"),
        ('[[access.rules]]\npath = "x/**"\ngroups = []', "rule 1's groups: an empty list"),
    ],
)
def test_bad_access_settings_name_the_file_and_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as caught:
        load_toml(tmp_path, text)
    assert expected in str(caught.value) and "hint:" in str(caught.value)


def test_a_rule_naming_an_unknown_group_is_a_config_error(tmp_path):
    text = ACCESS_TOML + '\n[[access.rules]]\npath = "x/**"\ngroups = ["staf"]\n'
    with pytest.raises(ConfigError) as caught:
        load_toml(tmp_path, text)
    assert str(caught.value) == (
        f"{tmp_path / 'kb.toml'}: access.rules: rule 3 (path = \"x/**\") names unknown group 'staf' "
        "(hint: the groups are: staff, partners; add it to access.groups)"
    )


# -- kb check -------------------------------------------------------------------------------


def test_kb_check_reports_unknown_groups_and_counts_drafts(tmp_path):
    root = tmp_path / "content"
    (tmp_path / "kb.toml").write_text(ACCESS_TOML, "utf-8")
    write_doc(root, "en/a.md", "title: A\ntype: guidance\nlang: en\naccess: [staff, editors]", TEXT)
    write_doc(root, "en/b.md", "title: B\ntype: guidance\nlang: en\ndraft: true", TEXT)
    write_doc(root, "internal/c.md", "title: C\ntype: guidance\nlang: en", TEXT)
    write_doc(root, "en/d.md", "title: D\ntype: guidance\nlang: en\naccess: public", TEXT)
    result = CliRunner().invoke(main, ["check", "--content", str(root)], env={"KB_CONFIG": str(tmp_path / "kb.toml")})
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "en/a.md:5: error: unknown group 'editors' in access (the groups are: staff, partners; "
        "add it to access.groups in kb.toml)"
    ]
    assert result.stderr.strip() == "4 documents checked: 1 error(s), 0 warning(s); 1 draft(s), 2 restricted to groups"


def test_kb_check_without_groups_in_kb_toml(content_factory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no kb.toml here or beside the content
    content_factory("en/a.md", "title: A\ntype: guidance\nlang: en\naccess: [staff]", TEXT)
    result = CliRunner().invoke(main, ["check", "--content", str(content_factory.root)], env={"KB_CONFIG": ""})
    assert "en/a.md:5: error: unknown group 'staff' in access (the groups are: none yet;" in result.stdout


# -- the index --------------------------------------------------------------------------------


@pytest.fixture()
def access_tree(tmp_path) -> Path:
    root = tmp_path / "content"
    write_doc(root, "en/public.md", "title: Public\ntype: guidance\nlang: en", TEXT)
    write_doc(root, "en/draft.md", "title: Draft\ntype: guidance\nlang: en\ndraft: true", TEXT)
    write_doc(root, "en/both.md", "title: Both\ntype: guidance\nlang: en\naccess: [staff, partners]", TEXT)
    write_doc(root, "internal/x/rule.md", "title: Rule\ntype: guidance\nlang: en", TEXT)
    write_doc(root, "internal/open.md", "title: Open\ntype: guidance\nlang: en\naccess: public", TEXT)
    write_doc(root, "internal/wip.md", "title: Wip\ntype: guidance\nlang: en\ndraft: true", TEXT)
    return root


EXPECTED = {
    "en/public": "",
    "en/draft": "@draft",
    "en/both": "partners staff",
    "internal/x/rule": "staff",
    "internal/open": "",
    "internal/wip": "@draft staff",
}


def stored_audiences(index_dir: Path) -> tuple[dict, dict, dict]:
    """id -> audience from the stored fields, the column, and the catalogue."""
    generation = (index_dir / "current").resolve()
    ix = open_dir(str(generation))
    try:
        with ix.reader() as reader:
            stored = {fields["id"]: fields["audience"] for _, fields in reader.iter_docs()}
            ids, values = reader.column_reader("id"), reader.column_reader("audience")
            column = {ids[n]: values[n] for n in reader.all_doc_ids()}
    finally:
        ix.close()
    with sqlite3.connect(catalogue.path(generation)) as db:
        rows = dict(db.execute("SELECT id, audience FROM docs"))
    return stored, column, rows


def test_the_index_and_the_catalogue_hold_each_documents_audience(access_tree, tmp_path):
    summary = pipeline.build(access_tree, tmp_path / "ix", full=True, workers=1, access=RULES)
    assert summary.failed == 0, summary.problems
    stored, column, rows = stored_audiences(tmp_path / "ix")
    assert stored == column == rows == EXPECTED
    assert (summary.audiences.drafts, summary.audiences.restricted) == (2, 2)
    assert summary.audiences.per_group == {"staff": 2, "partners": 1}
    assert summary.line().endswith("; 2 drafts (not published), 2 documents for groups: staff 2, partners 1")


def test_changed_rules_rewrite_the_documents_they_move(access_tree, tmp_path):
    index = tmp_path / "ix"
    pipeline.build(access_tree, index, full=True, workers=1, access=RULES)
    (access_tree / "internal" / "wip.md").write_text("---\ntitle: [broken\n---\n", "utf-8")  # fails from now on
    summary = pipeline.build(access_tree, index, workers=1, access=AccessRules(("staff", "partners")))
    # Their bytes did not change; their rule did. The broken one's last good version had the old
    # audience: it leaves the index rather than be served with it.
    assert (summary.full, summary.updated, summary.removed, summary.failed) == (False, 2, 1, 1), summary
    stored, column, rows = stored_audiences(index)
    expected = {**EXPECTED, "internal/x/rule": ""}
    del expected["internal/wip"]
    assert stored == column == rows == expected
    again = pipeline.build(access_tree, index, workers=1, access=AccessRules(("staff", "partners")))
    assert (again.updated, again.removed, again.unchanged, again.failed) == (0, 0, 5, 1)


def test_kb_index_prints_the_counts(access_tree, tmp_path):
    (tmp_path / "kb.toml").write_text(ACCESS_TOML, "utf-8")
    result = CliRunner().invoke(
        main,
        ["index", "--content", str(access_tree), "--index", str(tmp_path / "ix")],
        env={"KB_CONFIG": str(tmp_path / "kb.toml"), "KB_INDEX_WORKERS": "1"},
    )
    assert result.exit_code == 0, result.output
    assert "6 documents (en 6); 2 drafts (not published), 2 documents for groups: staff 2, partners 1" in result.output


def test_an_all_public_index_says_nothing_of_access(tmp_path):
    root = tmp_path / "content"
    write_doc(root, "en/a.md", "title: A\ntype: guidance\nlang: en", TEXT)
    summary = pipeline.build(root, tmp_path / "ix", full=True, workers=1)
    assert summary.line().endswith("1 documents (en 1)") and summary.audiences.drafts == 0
