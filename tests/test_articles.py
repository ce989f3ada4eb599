"""Stage 1 (articles.py): an interview article becomes a title, interviewers, sections and turns.

Every offset points into the article text as stored, so a quote can always be checked against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import load_seeds
from retrieval.articles import Article, load_article, parse_article
from retrieval.errors import ArticleError

FIRST_SECTION = "DX推進担当課の設立経緯やDX推進に向けて"
SECOND_SECTION = "新型コロナウイルス感染症によるDXへの影響"

# Later parts of the series indent continuation lines with a space; a line that is not indented
# after a turn is the editors' narration. Two staff members answer.
INDENTED = """\
区役所職員にインタビュー! ―保育課 後編―
ねつせた!メンバーの「はな」「たく」が、保育課の2名の職員の方々にお話を伺いました。
保育課のお仕事について
はな 保育課ではどんなお仕事をしていますか?
 特に力を入れていることも教えてください。
Kさん 保育園の入園の調整をしています。
 毎年4月の入園に向けて、秋から準備を始めます。
ここで少し休憩をはさみ、お茶をいただきました。
たく 職員の皆さんは何人くらいいますか?
Sさん 30人ほどです。
 係ごとに分かれて仕事をしています。
以上、保育課の後編でした。
この記事が気に入ったらサポートをしてみませんか?
"""

# The intro does not say who the interviewers are: names that open two or more lines are.
UNNAMED_INTERVIEWERS = """\
図書館職員にインタビュー!
今回は中央図書館で働く職員の方にお話を伺いました。
まい 図書館のお仕事は何ですか?
Tさん 本の貸し出しと返却の受付です。
まい 忙しい時期はいつですか?
Tさん 夏休みの時期です。
"""

# A heading between two exchanges starts a new section.
TWO_SECTIONS = """\
区役所職員にインタビュー! ―保育課 前編―
ねつせた!メンバーの「はな」が、保育課の職員の方にお話を伺いました。
はな 保育課ではどんなお仕事をしていますか?
Kさん 保育園の入園の調整をしています。
職員の皆さんについて
はな 職員の皆さんは何人くらいいますか?
Kさん 30人ほどです。
"""

NO_STAFF = """\
区役所職員にインタビュー! ―保育課―
ねつせた!メンバーの「はな」「たく」が、お話を伺いました。
はな 保育課ではどんなお仕事をしていますか?
たく 職員の皆さんは何人くらいいますか?
"""


def turn_starting(article: Article, words: str):
    return next(turn for turn in article.turns if turn.text.startswith(words))


# -- the shipped article ---------------------------------------------------------------------------


def test_the_title_is_the_first_line(seed_article: Article) -> None:
    assert seed_article.title == "区役所職員にインタビュー! ―DX推進担当部 DX推進担当課 前編―"


def test_the_interviewers_are_the_members_the_intro_names(seed_article: Article) -> None:
    assert set(seed_article.interviewers) == {"りお", "さとぽん", "ゆー"}


def test_the_two_section_headings_are_found_in_order(seed_article: Article) -> None:
    assert seed_article.headings == (FIRST_SECTION, SECOND_SECTION)


def test_each_turn_belongs_to_the_section_above_it(seed_article: Article) -> None:
    assert turn_starting(seed_article, "まず、DX推進担当課は").section == FIRST_SECTION
    assert turn_starting(seed_article, "世田谷区の進んでいる点").section == FIRST_SECTION
    assert turn_starting(seed_article, "次に、ここ2年半以上コロナ禍").section == SECOND_SECTION


def test_the_staff_answers_are_by_o_san_and_the_questions_by_the_interviewers(seed_article: Article) -> None:
    staff = [turn for turn in seed_article.turns if turn.role == "staff"]
    interviewers = [turn for turn in seed_article.turns if turn.role == "interviewer"]
    assert len(staff) == 10
    assert {turn.speaker for turn in staff} == {"Oさん"}
    assert {turn.speaker for turn in interviewers} == {"さとぽん", "ゆー"}  # りお asks nothing in this part
    assert seed_article.turns[0].speaker == "さとぽん"
    assert seed_article.turns[0].text == "まず、DX推進担当課は、どのような経緯で設立されたのですか?"


def test_lines_without_a_speaker_continue_the_turn_above(seed_article: Article) -> None:
    answer = turn_starting(seed_article, "令和3年度に庁内外のデジタル改革")
    assert answer.speaker == "Oさん"
    assert answer.text.endswith("\nそういった背景の中、今年度、(旧)デジタル改革担当課と(旧)ICT推進課、"
                                "経営改革・官民連携担当課🔗の業務改革を推進するチームが合併し、DX推進担当課が発足しました。")
    question = turn_starting(seed_article, "詳しいご説明ありがとうございます。")
    assert question.speaker == "ゆー"
    assert question.text.endswith("ました。\n1から部署が立ち上げられ、"
                                  "デジタル化を行っていく上での難しさについてはいかがでしたか?")


def test_the_blog_footer_is_dropped(seed_article: Article) -> None:
    parts = [turn.text for turn in seed_article.turns] + [run.text for run in seed_article.narration]
    assert "この記事が気に入ったら" in seed_article.source
    assert not any("この記事が気に入ったら" in text for text in parts)


def test_the_closing_lines_are_outro_narration_not_part_of_the_last_turn(seed_article: Article) -> None:
    last = seed_article.turns[-1]
    assert last.speaker == "ゆー"
    assert last.text == "DXは仕事と生活に大きな恩恵をもたらすのですね。世田谷区のさらなる発展が待ち遠しいです。"
    outro = [run for run in seed_article.narration if run.kind == "outro"]
    assert len(outro) == 1
    assert outro[0].text.startswith("以上、区役所職員にインタビュー! ─DX推進担当部 DX推進担当課 前編─でした。")
    assert outro[0].text.endswith("次回もお楽しみに!")


def test_the_intro_is_narration_that_names_the_interviewers(seed_article: Article) -> None:
    intro = seed_article.narration[0]
    assert intro.kind == "intro"
    assert intro.text.startswith("皆さんは「役所」と聞いて")
    assert "「りお」「さとぽん」「ゆー」" in intro.text
    assert seed_article.title not in intro.text


def test_every_turn_and_narration_run_is_the_source_text_at_its_offsets(seed_article: Article) -> None:
    source = seed_article.source
    for turn in seed_article.turns:
        assert turn.text == source[turn.start : turn.end]
        assert source[: turn.start].endswith(f"{turn.speaker} ")  # the name is not part of the words
    for run in seed_article.narration:
        assert run.text == source[run.start : run.end]


def test_the_metadata_sidecar_gives_the_url_and_the_id_is_the_file_name(seed_article: Article) -> None:
    assert seed_article.id == "dx-suishin-tantouka-zenpen"
    assert seed_article.meta.url == "https://note.com/netsuseta/n/n818726b2f355"
    assert seed_article.display_title == seed_article.meta.title


def test_windows_line_endings_give_the_same_article(seed_article: Article) -> None:
    crlf = parse_article(seed_article.source.replace("\n", "\r\n"), "crlf")
    assert crlf.title == seed_article.title
    assert crlf.interviewers == seed_article.interviewers
    assert crlf.headings == seed_article.headings
    assert [(t.speaker, t.section) for t in crlf.turns] == [(t.speaker, t.section) for t in seed_article.turns]
    assert [t.text.replace("\r\n", "\n") for t in crlf.turns] == [t.text for t in seed_article.turns]
    for turn in crlf.turns:
        assert turn.text == crlf.source[turn.start : turn.end]
        assert not turn.text.endswith("\r")


# -- variants of the format --------------------------------------------------------------------------


def test_indented_continuation_lines_are_joined_into_the_turn() -> None:
    article = parse_article(INDENTED, "hoiku")
    assert turn_starting(article, "保育課ではどんなお仕事").text == (
        "保育課ではどんなお仕事をしていますか?\n 特に力を入れていることも教えてください。")
    assert turn_starting(article, "保育園の入園の調整").text == (
        "保育園の入園の調整をしています。\n 毎年4月の入園に向けて、秋から準備を始めます。")


def test_with_indented_continuations_an_unindented_line_after_a_turn_is_narration() -> None:
    article = parse_article(INDENTED, "hoiku")
    assert not any("休憩" in turn.text for turn in article.turns)
    pause = next(run for run in article.narration if "休憩" in run.text)
    assert pause.kind == "narration"
    assert pause.text == "ここで少し休憩をはさみ、お茶をいただきました。"
    assert pause.section == "保育課のお仕事について"


def test_two_staff_members_in_one_article_are_both_staff() -> None:
    article = parse_article(INDENTED, "hoiku")
    assert [(turn.speaker, turn.role) for turn in article.turns] == [
        ("はな", "interviewer"), ("Kさん", "staff"), ("たく", "interviewer"), ("Sさん", "staff"),
    ]
    assert article.turns[-1].text == "30人ほどです。\n 係ごとに分かれて仕事をしています。"
    assert [run.kind for run in article.narration] == ["intro", "narration", "outro"]
    assert article.narration[-1].text == "以上、保育課の後編でした。"


def test_without_names_in_the_intro_repeated_speakers_are_the_interviewers() -> None:
    article = parse_article(UNNAMED_INTERVIEWERS, "toshokan")
    assert article.interviewers == ("まい",)
    assert [(turn.speaker, turn.role) for turn in article.turns] == [
        ("まい", "interviewer"), ("Tさん", "staff"), ("まい", "interviewer"), ("Tさん", "staff"),
    ]


def test_a_heading_between_exchanges_starts_a_new_section() -> None:
    article = parse_article(TWO_SECTIONS, "hoiku")
    assert article.headings == ("職員の皆さんについて",)
    assert [turn.section for turn in article.turns] == ["", "", "職員の皆さんについて", "職員の皆さんについて"]


def test_offsets_hold_in_every_variant() -> None:
    for source in (INDENTED, UNNAMED_INTERVIEWERS, TWO_SECTIONS, INDENTED.replace("\n", "\r\n")):
        article = parse_article(source, "variant")
        for part in (*article.turns, *article.narration):
            assert part.text == source[part.start : part.end]


# -- files that are not articles -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b" \n\t\r\n\n", "empty", id="whitespace"),
        pytest.param("\u3000\n\u3000\n".encode(), "empty", id="full-width-spaces"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", id="binary"),
        pytest.param(INDENTED.encode("shift_jis"), "UTF-8", id="shift-jis"),
        pytest.param(NO_STAFF.encode(), "no answers from ward staff", id="no-staff-turns"),
    ],
)
def test_a_file_that_is_not_an_article_is_refused_with_a_clear_message(
    tmp_path: Path, content: bytes, complaint: str
) -> None:
    path = tmp_path / "kiji.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError) as caught:
        load_article(path)
    assert complaint in str(caught.value)
    assert "kiji" in str(caught.value)  # says which file


def test_a_utf8_byte_order_mark_is_not_part_of_the_title(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + INDENTED.encode())
    article = load_article(path)
    assert article.title == "区役所職員にインタビュー! ―保育課 後編―"
    for turn in article.turns:
        assert turn.text == article.source[turn.start : turn.end]


def test_a_broken_metadata_sidecar_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "hoiku.txt").write_text(INDENTED, encoding="utf-8")
    (tmp_path / "hoiku.json").write_text('{"title": "保育課", ', encoding="utf-8")
    with pytest.raises(ArticleError, match=r"hoiku\.json.*invalid JSON"):
        load_article(tmp_path / "hoiku.txt")


def test_a_folder_without_articles_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"no article files"):
        load_seeds(tmp_path)
    with pytest.raises(ArticleError, match=r"no such folder"):
        load_seeds(tmp_path / "missing")
