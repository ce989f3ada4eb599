"""Stage 2 (passages.py): what a reader gets back is a staff answer with the question that
prompted it, or a run of the editors' narration; always verbatim, with a stable id and an anchor
that a citation link can land on."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTICLE, NEW_ARTICLE

from retrieval.ingest.articles import Article, load_article, parse_article
from retrieval.ingest.passages import Passage, make_passages, passage_id
from retrieval.ingest.text import word_ends

TWO_STAFF_ONE_QUESTION = """\
区役所職員にインタビュー! ―保育課―
ねつせた!メンバーの「はな」が、保育課の職員の方々にお話を伺いました。
はな お二人はどんなお仕事をしていますか?
Kさん 保育園の入園の調整をしています。
Sさん 私は園の施設の管理を担当しています。
はな ありがとうございました。
"""


# Two staff members answer one question in short turns, with the interviewers' reactions between
# them; then a request that is short but asks for something (a new exchange).
SEVERAL_STAFF = """\
区役所職員にインタビュー! ─図書館 中編─
今回はねつせた!メンバーの「なな」「こう」がインタビューしました。
予約の仕組み
なな 本の予約は、どれくらい使われていますか?
Iさん そうですね、とても増えました。
Kさん 令和5年度は年間で12万件の予約がありました。半分はスマートフォンからです。
なな なるほど…!
Iさん 夜の9時を過ぎてから予約される方も多いんです。
こう 予約した本はどこで受け取れますか?
Kさん 区内の16か所の図書館のどこでも受け取れます。
なな 便利ですね!
こう 最後に一言お願いします。
Iさん ぜひ図書館に足を運んでください。
"""


def passage_starting(passages: list[Passage], words: str) -> Passage:
    return next(p for p in passages if p.text.startswith(words))


def test_each_staff_answer_comes_with_the_interviewer_turn_before_it(seed_article: Article) -> None:
    passages = make_passages(seed_article)
    exchanges = [p for p in passages if p.kind == "exchange"]
    turns = seed_article.turns
    expected = [(turns[i - 1].text, turn.text) for i, turn in enumerate(turns) if turn.role == "staff"]
    assert [(p.question, p.text) for p in exchanges] == expected
    first = passage_starting(passages, "令和3年度に庁内外のデジタル改革")
    assert first.question == "まず、DX推進担当課は、どのような経緯で設立されたのですか?"
    assert first.speaker == "Oさん"
    assert first.section == "DX推進担当課の設立経緯やDX推進に向けて"


def test_a_question_spread_over_two_lines_is_quoted_whole(seed_article: Article) -> None:
    answer = passage_starting(make_passages(seed_article), "DX推進担当課の業務は、あくまでも")
    assert answer.question.startswith("詳しいご説明ありがとうございます。")
    assert answer.question.endswith(
        "\n1から部署が立ち上げられ、デジタル化を行っていく上での難しさについてはいかがでしたか?")


def test_interviewer_small_talk_is_never_returned_as_an_answer(seed_article: Article) -> None:
    passages = make_passages(seed_article)
    interviewer_turns = [turn.text for turn in seed_article.turns if turn.role == "interviewer"]
    assert not any(p.text in interviewer_turns for p in passages)
    assert not any("DXは仕事と生活に大きな恩恵" in p.text for p in passages)
    assert not any(p.speaker in seed_article.interviewers for p in passages)


def test_the_intro_and_outro_are_narration_passages_by_the_publisher(seed_article: Article) -> None:
    narration = [p for p in make_passages(seed_article) if p.kind == "narration"]
    assert len(narration) == 2
    intro, outro = narration
    assert all(name in intro.text for name in ("「りお」", "「さとぽん」", "「ゆー」"))
    assert outro.text.startswith("以上、")
    assert {p.speaker for p in narration} == {"ねつせた!"}
    assert {p.question for p in narration} == {""}


def test_passages_come_in_reading_order(seed_article: Article) -> None:
    starts = [p.start for p in make_passages(seed_article)]
    assert starts == sorted(starts)
    assert len(starts) == 12


def test_every_passage_quotes_the_article_verbatim(seed_article: Article) -> None:
    source = seed_article.source
    for p in make_passages(seed_article):
        assert p.text == source[p.start : p.end]
        assert p.question == source[p.question_start : p.question_end]
        assert p.text.strip() == p.text


def test_ids_are_stable_across_builds_of_the_same_text(seed_article: Article) -> None:
    again = parse_article(seed_article.source, seed_article.id, seed_article.meta)
    first = [p.id for p in make_passages(seed_article)]
    assert first == [p.id for p in make_passages(again)]
    assert len(set(first)) == len(first)
    assert all(i.startswith("dx-suishin-tantouka-zenpen#") for i in first)


def test_an_edited_answer_gets_a_new_id_and_earlier_passages_keep_theirs(seed_article: Article) -> None:
    before = make_passages(seed_article)
    edited_source = seed_article.source.replace("令和3年度に", "令和4年度に")
    edited = parse_article(edited_source, seed_article.id, seed_article.meta)
    after = make_passages(edited)
    old = passage_starting(before, "令和3年度に")
    new = passage_starting(after, "令和4年度に")
    assert new.id != old.id
    assert after[0].id == before[0].id  # the intro, before the edit, is untouched
    assert {p.id for p in after[1:]}.isdisjoint({old.id})


def test_the_same_text_in_another_article_gets_another_id(seed_article: Article) -> None:
    other = parse_article(seed_article.source, "dx-suishin-tantouka-chuhen")
    assert {p.id for p in make_passages(other)}.isdisjoint(p.id for p in make_passages(seed_article))


def test_anchors_are_unique_in_the_article_and_free_of_link_markers(seed_article: Article) -> None:
    source = seed_article.source
    for p in make_passages(seed_article):
        assert p.anchor, p.id
        assert source.count(p.anchor) == 1, p.anchor
        assert "🔗" not in p.anchor
        assert p.text.startswith(p.anchor)
    # this answer has a 🔗 right after its first words: the anchor stops before it
    assert passage_starting(make_passages(seed_article), "世田谷区DX推進方針🔗").anchor == "世田谷区DX推進方針"


@pytest.mark.parametrize("path", [ARTICLE, NEW_ARTICLE], ids=["shipped", "chuhen"])
def test_anchors_end_where_a_word_ends_never_inside_one(path: Path) -> None:
    # Chromium ignores a text fragment that stops inside a word: …デジ(タル), …点と(しては), …DX推進リ(ーダー)
    article = load_article(path)
    for p in make_passages(article):
        line = p.text.strip().split("\n")[0]
        assert len(p.anchor) in word_ends(line) or p.anchor == line, p.anchor
        assert len(p.anchor) <= 60, p.anchor
    anchors = [p.anchor for p in make_passages(load_article(ARTICLE))]
    assert "令和3年度に庁内外のデジ" not in anchors and "世田谷区の進んでいる点と" not in anchors


def test_two_staff_answering_one_question_are_one_exchange_crediting_both() -> None:
    article = parse_article(TWO_STAFF_ONE_QUESTION, "hoiku")
    exchanges = [p for p in make_passages(article) if p.kind == "exchange"]
    assert [(p.speaker, p.question, p.text) for p in exchanges] == [
        ("Kさん、Sさん", "お二人はどんなお仕事をしていますか?",
         "保育園の入園の調整をしています。\nSさん 私は園の施設の管理を担当しています。"),
    ]
    assert not any("ありがとうございました" in p.text for p in make_passages(article))


def test_short_turns_and_reactions_answering_one_question_are_one_verbatim_exchange() -> None:
    article = parse_article(SEVERAL_STAFF, "toshokan")
    answer = passage_starting(make_passages(article), "そうですね、とても増えました。")
    assert answer.speaker == "Iさん、Kさん"
    assert answer.question == "本の予約は、どれくらい使われていますか?"
    assert answer.text == SEVERAL_STAFF[SEVERAL_STAFF.index("そうですね") : SEVERAL_STAFF.index("多いんです。") + 6]
    assert answer.text == article.source[answer.start : answer.end]
    assert answer.section == "予約の仕組み"


def test_a_short_remark_never_stands_alone_beside_the_real_answer() -> None:
    passages = make_passages(parse_article(SEVERAL_STAFF, "toshokan"))
    assert not any(p.text in ("そうですね、とても増えました。", "夜の9時を過ぎてから予約される方も多いんです。")
                   for p in passages)
    assert sum("12万件" in p.text for p in passages) == 1


def test_an_exchange_ends_where_the_interviewers_ask_something_new() -> None:
    exchanges = [p for p in make_passages(parse_article(SEVERAL_STAFF, "toshokan")) if p.kind == "exchange"]
    assert [(p.speaker, p.question) for p in exchanges] == [
        ("Iさん、Kさん", "本の予約は、どれくらい使われていますか?"),
        ("Kさん", "予約した本はどこで受け取れますか?"),
        ("Iさん", "最後に一言お願いします。"),  # short, but a request: not a reaction
    ]
    assert exchanges[1].text == "区内の16か所の図書館のどこでも受け取れます。"  # "便利ですね!" is not quoted


def test_a_one_turn_exchange_keeps_the_id_it_had_before_answers_were_grouped(seed_article: Article) -> None:
    staff = [turn for turn in seed_article.turns if turn.role == "staff"]
    exchanges = [p for p in make_passages(seed_article) if p.kind == "exchange"]
    assert [p.id for p in exchanges] == [passage_id(seed_article.id, t.start, t.text) for t in staff]


def test_a_grouped_exchange_keeps_its_id_when_a_later_answer_is_edited() -> None:
    before = make_passages(parse_article(SEVERAL_STAFF, "toshokan"))
    after = make_passages(parse_article(SEVERAL_STAFF.replace("16か所", "17か所"), "toshokan"))
    assert after[1].id == before[1].id and after[1].text == before[1].text
    assert passage_starting(after, "区内の17か所").id != passage_starting(before, "区内の16か所").id


def test_a_passage_survives_a_round_trip_through_a_dict(seed_article: Article) -> None:
    for p in make_passages(seed_article):
        assert Passage.from_dict(p.to_dict()) == p
