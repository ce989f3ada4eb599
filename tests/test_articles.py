"""Stage 1 (articles.py): an interview article becomes a title, interviewers, sections and turns.

Every offset points into the article text as stored, so a quote can always be checked against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import load_seeds
from retrieval.errors import ArticleError
from retrieval.ingest.articles import Article, load_article, parse_article
from retrieval.ingest.layout import title_parts

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

# The layouts of the real series, in fictional text. Not indented: continuation lines are plain
# sentences. Interviewers sign with initials, one staff member's initial is full-width, headings
# end with ? or quote a phrase, and photos, captions, links and a credit line sit between turns.
NON_INDENTED = """\
区役所職員にインタビュー! ─保育部 保育課 後編─
皆さんは区役所と聞いて、どんな職場を想像しますか…?
そこで、ねつせた!では、世田谷区役所で働く職員の皆さんにお話を聞く企画を続けています🍀
前編はこちら
今回はねつせた!メンバーのS.TとY.Kがインタビューしました。お話を聞いたのは、「ほいくナビ」担当のＨさんとMさんです。
画像1
申し込み、何が変わった?
S.T 入園の申し込みは、どう変わりましたか?
紙の書類はもう要らないのでしょうか?
Ｈさん 窓口に紙を出していただく方式から、スマートフォンで送る方式に変わりました。
添付する書類も、写真を撮って送るだけになりました。
(写真:申請画面を見せるＨさん)
Y.K 件数はどれくらい増えたんですか?
Ｈさん そうですね、かなり増えました。
Mさん 数字で言うと、令和5年度は申し込みの8割がオンラインでした。
Ｈさん はい、夜の10時ごろが一番多いんです。
S.T なるほど…!
「待たない窓口」をめざして
Y.K 窓口はこれからどうなりますか?
Mさん 予約した時間に来ていただければ、待たずに済むようにしたいです。
S.T すごいですね!
Ｈさん 来年度には、予約の枠をいまの2倍にする予定です。
Y.K 最後に、区民の皆さんに一言お願いします。
Mさん 分からないことは、気軽に窓口で聞いてくださいね。
中編はこちら🔗
以上、区役所職員にインタビュー! ─保育部 保育課 後編─でした。
ねつせた!では、これからも区役所のいろいろな部署の職員の皆さんを紹介していきます。次回もお楽しみに!
(文・写真:S.T)
この記事が気に入ったらサポートをしてみませんか?
"""

# Indented continuation lines; the intro names the interviewers without 「」, one of whom asks a
# single question; a third member who is not in the intro speaks twice at the end.
INDENTED_PLAIN_NAMES = """\
区役所職員にインタビュー! ―清掃・リサイクル部 前編―
皆さんは区役所と聞いて、どんな職場を想像しますか…?
ねつせた!メンバーのみおとたくが、清掃・リサイクル部のIさんとKさんにお話を伺いました。
画像1
アプリを作ったきっかけは？
みお ごみの分別アプリは、なぜ作ったのですか?
Iさん 収集日を間違える方が多かったからです。
 引っ越してきたばかりの方からの問い合わせが、年に2千件ほどありました。
画像2
 アプリなら、住所を入れるだけで収集日がわかります。
たく 通知も来るんですか?
Kさん はい、前の晩の8時にお知らせが届きます。
(写真:通知の画面を見せるKさん)
これからのこと
みお 今後の予定を教えてください。
Iさん 英語と中国語に対応します。
 令和7年度の予定です。
はると 僕も使ってみます!
はると ありがとうございました。
以上、区役所職員にインタビュー! ―清掃・リサイクル部 前編―でした。
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


# -- the series' real layouts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "department", "part"),
    [
        pytest.param("区役所職員にインタビュー! ―保育部 保育課 前編―", "保育部 保育課", "前編", id="U+2015"),
        pytest.param("区役所職員にインタビュー! ─保育部 保育課─", "保育部 保育課", "", id="U+2500"),
        pytest.param("区役所職員にインタビュー! ─清掃・リサイクル部 中編─", "清掃・リサイクル部", "中編",
                     id="U+2500-part"),
        pytest.param("区役所職員にインタビュー! —中央図書館 後編—", "中央図書館", "後編", id="em-dash"),
        pytest.param("区役所職員にインタビュー! ―地域行政部 前編―(テスト用)", "地域行政部", "前編", id="trailing-text"),
    ],
)
def test_the_department_and_part_are_found_whatever_dash_the_title_uses(title: str, department: str, part: str) -> None:
    parts = title_parts(title)
    assert (parts.series, parts.department, parts.part) == ("区役所職員にインタビュー!", department, part)


def test_a_title_without_a_department_gives_no_department() -> None:
    assert title_parts("図書館職員にインタビュー!").department == ""


def test_headings_that_ask_or_quote_are_headings() -> None:
    assert parse_article(NON_INDENTED, "hoiku").headings == ("申し込み、何が変わった?", "「待たない窓口」をめざして")
    assert parse_article(INDENTED_PLAIN_NAMES, "gomi").headings == ("アプリを作ったきっかけは？", "これからのこと")


def test_a_heading_is_neither_folded_into_the_intro_nor_merged_into_an_answer() -> None:
    article = parse_article(NON_INDENTED, "hoiku")
    parts = [turn.text for turn in article.turns] + [run.text for run in article.narration]
    assert not any("何が変わった" in text or "めざして" in text for text in parts)
    assert turn_starting(article, "窓口はこれからどうなりますか").section == "「待たない窓口」をめざして"
    assert turn_starting(article, "予約した時間に来て").section == "「待たない窓口」をめざして"


HEADING_THEN_NARRATION = """\
区役所職員にインタビュー! ─中央図書館─
第7回目は中央図書館
今回はねつせた!メンバーの「なな」がインタビューしました。
なな 電子書籍は何冊ありますか?
Iさん 令和6年度末で約8千冊です。
職員の皆さんについて
ここからは、職員の皆さんご自身についてお聞きしました。
なな 図書館で働くきっかけは何でしたか?
Iさん 子どものころから図書館が好きだったからです。
"""


def test_a_plain_heading_after_an_answer_may_be_followed_by_narration_but_a_short_intro_line_is_intro() -> None:
    article = parse_article(HEADING_THEN_NARRATION, "toshokan")
    assert article.headings == ("職員の皆さんについて",)
    assert turn_starting(article, "令和6年度末").text == "令和6年度末で約8千冊です。"
    assert [(run.kind, run.section) for run in article.narration] == [
        ("intro", ""), ("narration", "職員の皆さんについて")]
    assert article.narration[0].text.startswith("第7回目は中央図書館\n")


def test_a_question_continued_on_a_line_ending_with_a_question_mark_stays_one_question() -> None:
    article = parse_article(NON_INDENTED, "hoiku")
    assert turn_starting(article, "入園の申し込みは").text == (
        "入園の申し込みは、どう変わりましたか?\n紙の書類はもう要らないのでしょうか?")
    assert "紙の書類はもう要らないのでしょうか?" not in article.headings


def test_continuation_lines_continue_the_turn_in_both_styles() -> None:
    plain = parse_article(NON_INDENTED, "hoiku")
    assert turn_starting(plain, "窓口に紙を").text.endswith("\n添付する書類も、写真を撮って送るだけになりました。")
    indented = parse_article(INDENTED_PLAIN_NAMES, "gomi")
    answer = turn_starting(indented, "収集日を間違える")
    assert answer.text.endswith("\n アプリなら、住所を入れるだけで収集日がわかります。")  # after a photo line
    assert turn_starting(indented, "英語と中国語").text == "英語と中国語に対応します。\n 令和7年度の予定です。"


@pytest.mark.parametrize("source", [NON_INDENTED, INDENTED_PLAIN_NAMES], ids=["not-indented", "indented"])
def test_photos_captions_and_links_are_never_headings_turns_or_the_end_of_a_quote(source: str) -> None:
    article = parse_article(source, "variant")
    ornaments = ("画像", "(写真", "(文・写真", "はこちら")
    assert not any(heading.startswith(ornaments) or "こちら" in heading for heading in article.headings)
    for part in (*article.turns, *article.narration):
        last_line = part.text.rsplit("\n", 1)[-1].strip()
        first_line = part.text.split("\n", 1)[0]
        assert not last_line.startswith(ornaments) and not last_line.endswith(("こちら", "こちら🔗")), part.text
        assert not first_line.startswith(ornaments), part.text


ANSWER_THEN_LINE = """\
区役所職員にインタビュー! ─中央図書館─
今回はねつせた!メンバーの「なな」がインタビューしました。
なな 電子書籍は何冊ありますか?
Iさん 令和6年度末で約8千冊です。
{line}
なな 自動貸出機はどこにありますか?
Iさん 中央図書館の1階に4台あります。
以上、区役所職員にインタビュー! ─中央図書館─でした。
"""


@pytest.mark.parametrize(
    "line",
    ["画像2", "[画像]", "(写真:貸出機を使うIさん)", "▲貸出機を使うIさん", "(文・写真:S.T)", "文・写真:なな",
     "後編はこちら", "前回の記事はこちら🔗", "世田谷区公式サイトはこちら🔗", "https://example.org/library"],
)
def test_a_photo_caption_credit_or_link_line_between_turns_is_no_heading_and_no_part_of_an_answer(line: str) -> None:
    article = parse_article(ANSWER_THEN_LINE.format(line=line), "toshokan")
    assert article.headings == ()
    assert turn_starting(article, "令和6年度末").text == "令和6年度末で約8千冊です。"
    assert [turn.speaker for turn in article.turns] == ["なな", "Iさん", "なな", "Iさん"]
    assert not any(line in part.text for part in (*article.turns, *article.narration))


def test_a_caption_or_link_after_an_answer_is_not_quoted_with_it() -> None:
    article = parse_article(NON_INDENTED, "hoiku")
    assert turn_starting(article, "窓口に紙を").text.endswith("送るだけになりました。")
    assert article.turns[-1].text == "分からないことは、気軽に窓口で聞いてくださいね。"
    outro = article.narration[-1]
    assert outro.kind == "outro" and outro.text.endswith("次回もお楽しみに!")  # the credit line is not in it


def test_interviewers_who_sign_with_initials_are_interviewers_and_staff_with_a_full_width_initial_are_staff() -> None:
    article = parse_article(NON_INDENTED, "hoiku")
    assert article.interviewers == ("S.T", "Y.K")  # not the app named in 「」 later in the line
    roles = {(turn.speaker, turn.role) for turn in article.turns}
    assert roles == {("S.T", "interviewer"), ("Y.K", "interviewer"), ("Ｈさん", "staff"), ("Mさん", "staff")}


def test_interviewers_named_without_quotes_and_a_member_the_intro_forgot_are_interviewers() -> None:
    article = parse_article(INDENTED_PLAIN_NAMES, "gomi")
    assert article.interviewers == ("たく", "はると", "みお")
    assert [(turn.speaker, turn.role) for turn in article.turns] == [
        ("みお", "interviewer"), ("Iさん", "staff"), ("たく", "interviewer"), ("Kさん", "staff"),
        ("みお", "interviewer"), ("Iさん", "staff"), ("はると", "interviewer"), ("はると", "interviewer"),
    ]


def test_the_intro_keeps_its_lines_and_ends_before_the_first_heading() -> None:
    intro = parse_article(NON_INDENTED, "hoiku").narration[0]
    assert intro.kind == "intro"
    assert intro.text.startswith("皆さんは区役所と聞いて")
    assert intro.text.endswith("「ほいくナビ」担当のＨさんとMさんです。")


def test_offsets_hold_in_every_variant() -> None:
    variants = (INDENTED, UNNAMED_INTERVIEWERS, TWO_SECTIONS, NON_INDENTED, INDENTED_PLAIN_NAMES)
    for source in (*variants, INDENTED.replace("\n", "\r\n"), NON_INDENTED.replace("\n", "\r\n")):
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
