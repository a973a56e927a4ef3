"""`kb eval`: golden queries scored per language, exit status by threshold."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.evaluation import GoldenFileError, load_golden, score

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "content.yaml"


def test_metrics_of_one_ranking():
    figures = score(["x", "a", "y", "b"], {"a": 1, "b": 1, "c": 1})
    assert figures["recall@10"] == pytest.approx(2 / 3)
    assert figures["mrr@10"] == pytest.approx(0.5)
    assert 0 < figures["ndcg@10"] < 1
    assert score(["a"], {"a": 2})["ndcg@10"] == pytest.approx(1.0)
    assert score([], {"a": 1}) == {"recall@10": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}


def test_bundled_golden_queries_pass(corpus_index):
    result = CliRunner().invoke(main, ["eval", "--index", str(corpus_index), str(GOLDEN)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["language", "queries", "recall@10", "mrr@10", "ndcg@10"]
    assert {line.split()[0] for line in lines[1:]} >= {"all", "hu", "cs", "en"}


def test_below_threshold_exits_1(corpus_index, tmp_path):
    golden = tmp_path / "g.yaml"
    golden.write_text(
        "thresholds: {mrr@10: 0.99}\nqueries:\n  - {query: Szeged, relevant: [cs/transformace-socialnich-sluzeb-msk]}",
        "utf-8",
    )
    result = CliRunner().invoke(main, ["eval", "--index", str(corpus_index), str(golden)])
    assert result.exit_code == 1
    assert "FAIL: mrr@10 is 0.000, below the threshold 0.990" in result.output


@pytest.mark.parametrize(
    "text, message",
    [
        ("queries: 3", "expected a mapping with a 'queries' list"),
        ("queries:\n  - {relevant: [a]}", "query #1: needs a 'query' string"),
        ("queries:\n  - {query: x}", "query #1 ('x'): needs 'relevant' ids"),
        ("thresholds: {precision: 1}\nqueries: []", "'thresholds' keys must be among"),
        ("queries: [", "invalid YAML"),
    ],
)
def test_golden_file_errors_are_named(tmp_path, text, message):
    golden = tmp_path / "g.yaml"
    golden.write_text(text, "utf-8")
    with pytest.raises(GoldenFileError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_golden(golden)
