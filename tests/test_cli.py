"""``python -m retrieval`` (cli.py), run as a user runs it: build, ask, eval.

Every failure a user can cause prints exactly one line to stderr, never a traceback, and exits
non-zero. Runs on the fake embedder (``--model hashing``).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval import HashingEmbedder, Retriever, load_seeds

Run = Callable[..., subprocess.CompletedProcess]
DATA = Path(__file__).resolve().parent / "data"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QUESTION = "DX推進リーダーって何をする人？"

SMALL_ARTICLE = """\
区役所職員にインタビュー! ―保育課―
ねつせた!メンバーの「はな」が、保育課の職員の方にお話を伺いました。
はな 保育課ではどんなお仕事をしていますか?
Kさん 保育園の入園の調整をしています。
"""


def assert_one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory: pytest.TempPathFactory, run_cli: Run) -> tuple[Path, subprocess.CompletedProcess]:
    """The shipped seeds indexed by ``python -m retrieval build --model hashing``."""
    index = tmp_path_factory.mktemp("cli") / "index"
    return index, run_cli("build", "--model", "hashing", "--seeds", str(SEEDS), "--index", str(index))


@pytest.fixture(scope="module")
def cli_index(cli_build: tuple[Path, subprocess.CompletedProcess]) -> Path:
    return cli_build[0]


def test_help_lists_the_commands(run_cli: Run) -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    for command in ("build", "ask", "eval"):
        assert command in done.stdout


def test_build_writes_an_index_that_names_its_model(cli_build: tuple[Path, subprocess.CompletedProcess]) -> None:
    index, done = cli_build
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"built 12 passages", done.stderr)
    current = (index / "CURRENT").read_text(encoding="utf-8").strip()
    manifest = json.loads((index / current / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"]["name"] == "hashing/char-bigram-256"


def test_ask_json_prints_exactly_what_the_python_api_returns(cli_index: Path, run_cli: Run) -> None:
    done = run_cli("ask", "--json", "--k", "3", "--index", str(cli_index), QUESTION)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == Retriever.load(cli_index).search(QUESTION, k=3).to_dict()
    assert list(printed) == ["query", "answered", "ambiguous", "hits"]
    assert len(printed["hits"]) == 3
    assert list(printed["hits"][0]) == ["id", "score", "level", "text", "speaker", "department", "kind", "question",
                                        "section", "article", "url"]
    assert "DX推進リーダーを任命" in done.stdout  # Japanese as text, not \\u escapes


def test_ask_prints_the_quote_its_question_and_the_link(cli_index: Path, run_cli: Run) -> None:
    done = run_cli("ask", "--k", "1", "--index", str(cli_index), QUESTION)
    assert done.returncode == 0, done.stderr
    assert "Oさん" in done.stdout
    assert "Q: そんな世田谷区内の各部署では、どのようなDXを推進していますか?" in done.stdout
    assert "各部署1人ずつDX推進リーダーを任命し" in done.stdout
    assert "https://note.com/netsuseta/n/n818726b2f355#:~:text=" in done.stdout


def test_ask_says_so_when_the_articles_do_not_answer(cli_index: Path, run_cli: Run) -> None:
    done = run_cli("ask", "--index", str(cli_index), "今日のおすすめの映画は？")
    assert done.returncode == 0, done.stderr
    assert "見つかりませんでした" in done.stdout


@pytest.mark.parametrize(
    ("question", "complaint"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="whitespace"),
        pytest.param("あ" * 10_000, "too long", id="10000-characters"),
        pytest.param("🎉🎉!!？", "no words", id="emoji-only"),
    ],
)
def test_a_bad_question_gets_one_line_on_stderr(cli_index: Path, run_cli: Run, question: str, complaint: str) -> None:
    done = run_cli("ask", "--index", str(cli_index), question)
    assert complaint in assert_one_line_error(done)
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("file_name", "content", "complaint"),
    [
        pytest.param("empty.txt", b"", "empty", id="empty-file"),
        pytest.param("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", id="binary-file"),
        pytest.param("sjis.txt", SMALL_ARTICLE.encode("shift_jis"), "UTF-8", id="shift-jis-file"),
    ],
)
def test_a_bad_article_file_stops_the_build_with_one_line_naming_it(
    seeds_copy: Path, tmp_path: Path, run_cli: Run, file_name: str, content: bytes, complaint: str
) -> None:
    (seeds_copy / file_name).write_bytes(content)
    index = tmp_path / "index"
    done = run_cli("build", "--model", "hashing", "--seeds", str(seeds_copy), "--index", str(index))
    line = assert_one_line_error(done)
    assert file_name in line
    assert complaint in line
    assert not (index / "CURRENT").exists()


def test_an_index_made_by_another_embedder_gets_one_line_saying_rebuild(tmp_path: Path, run_cli: Run) -> None:
    index = tmp_path / "index"
    Retriever.build(load_seeds(SEEDS), index, embedder=HashingEmbedder())
    manifest_path = index / (index / "CURRENT").read_text(encoding="utf-8").strip() / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["embedder"]["name"] = "hashing/char-bigram-v0-256"  # as if built by an older embedder
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    line = assert_one_line_error(run_cli("ask", "--index", str(index), QUESTION))
    assert "hashing/char-bigram-v0-256" in line
    assert "rebuild" in line


def test_a_truncated_index_file_gets_one_line_naming_it(tmp_path: Path, run_cli: Run) -> None:
    index = tmp_path / "index"
    Retriever.build(load_seeds(SEEDS), index, embedder=HashingEmbedder())
    vectors = index / (index / "CURRENT").read_text(encoding="utf-8").strip() / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    line = assert_one_line_error(run_cli("ask", "--index", str(index), QUESTION))
    assert "vectors.faiss" in line


def test_asking_before_building_says_how_to_build(tmp_path: Path, run_cli: Run) -> None:
    line = assert_one_line_error(run_cli("ask", "--index", str(tmp_path / "nothing"), QUESTION))
    assert "python -m retrieval build" in line


def test_eval_prints_recall_mrr_and_abstention(cli_index: Path, run_cli: Run) -> None:
    done = run_cli("eval", str(DATA / "dev.jsonl"), "--oos", str(DATA / "dev_oos.jsonl"), "--index", str(cli_index))
    assert done.returncode == 0, done.stderr
    figures = dict(re.findall(r"^(Recall@1|Recall@5|MRR|wrongly abstained|abstained on them)\s+([\d.]+)$",
                              done.stdout, flags=re.MULTILINE))
    assert set(figures) == {"Recall@1", "Recall@5", "MRR", "wrongly abstained", "abstained on them"}
    assert all(0.0 <= float(value) <= 1.0 for value in figures.values())
    assert float(figures["Recall@1"]) <= float(figures["Recall@5"])
    assert re.search(r"^questions\s+16$", done.stdout, flags=re.MULTILINE)
    assert re.search(r"^unanswerable\s+4$", done.stdout, flags=re.MULTILINE)


def test_eval_prints_each_languages_own_figures(cli_index: Path, tmp_path: Path, run_cli: Run) -> None:
    """The goals are set per language (English R@5, "not found" in each), so eval shows both."""
    japanese = tmp_path / "ja.jsonl"
    japanese.write_text('{"q": "DX推進リーダーって何をする人?", "gold": ["DX推進リーダー"]}\n', encoding="utf-8")
    done = run_cli("eval", str(DATA / "dev.jsonl"), "--oos", str(DATA / "dev_oos.jsonl"), "--index", str(cli_index))
    assert done.returncode == 0, done.stderr
    blocks = dict(re.findall(r"^(Japanese|English):\n((?:  .*\n)+)", done.stdout, flags=re.MULTILINE))
    counts = {lang: [int(n) for n in re.findall(r"(?:questions|unanswerable)\s+(\d+)", block)]
              for lang, block in blocks.items()}
    assert counts == {"Japanese": [12, 3], "English": [4, 1]}  # the dev set's 16 and 4, by language
    # A language with unanswerable questions only gets its abstention, and no recall figures of nothing.
    done = run_cli("eval", str(japanese), "--oos", str(DATA / "dev_oos.jsonl"), "--index", str(cli_index))
    english = done.stdout.split("English:\n")[1]
    assert re.search(r"questions\s+0\n", english) and "abstained on them" in english and "Recall" not in english


def test_eval_of_a_missing_question_file_gets_one_line(cli_index: Path, tmp_path: Path, run_cli: Run) -> None:
    missing = tmp_path / "nai.jsonl"
    line = assert_one_line_error(run_cli("eval", str(missing), "--index", str(cli_index)))
    assert "nai.jsonl" in line

