"""The chat page (app.py, web/page.py, web/cards.py): what a reader sees, and what the running server allows.

Handler tests use the fake-embedder index (milliseconds). One group starts the real web app on a
free port and talks to it with gradio_client and plain HTTP.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from app_server import serving
from gradio_client import Client

import app
from retrieval import MAX_QUESTION_CHARS, HashingEmbedder, Retriever, load_seeds
from retrieval.readers.conversation import answer
from retrieval.readers.feedback import FeedbackStore, normalize_question
from retrieval.search.citation import as_on_page
from web.cards import ARTICLES_OPEN, articles_html, intro_text, render_answer, render_question
from web.page import Context, chosen_question, new_state, on_ask, on_vote, respond

NOT_FOUND = "記事の中には、この質問に答えている箇所が見つかりませんでした。"
LEADER = "DX推進リーダーって何をする人？"
UNANSWERABLE = "住民票の写しはコンビニで取れますか"
NEAR_NOTHING = "火星の天気は？"  # fake embedder: close to no passage
NEAR_MISS = "デジタルの担当者は何人いるの"  # fake embedder: near some exchanges, not answered


@pytest.fixture()
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback" / "feedback.sqlite3")


@pytest.fixture()
def ctx(fake_retriever: Retriever, store: FeedbackStore) -> Context:
    return Context(fake_retriever, store, ("DX推進担当課は、どのような経緯で設立されたのですか?",
                                              "DXの推進によってどのような社会を目指していますか?"))


def visible_text(fragment: str) -> str:
    """What a browser shows for an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def first_quote(card: str) -> str:
    return re.search(r'<blockquote class="quote">(.*?)</blockquote>', card).group(1)


# -- the citation card -------------------------------------------------------------------------
def test_answer_is_a_verbatim_quote_with_speaker_department_question_link_and_match(ctx: Context) -> None:
    hit = ctx.retriever.search(LEADER, k=1).hits[0]
    card = respond(ctx, LEADER).html
    assert visible_text(first_quote(card).replace("<br>", "\n")) == as_on_page(hit.text)
    assert "<b>Oさん</b>(DX推進担当部 DX推進担当課)" in card
    assert f"聞き手の質問: 「{hit.question}」" in visible_text(card)
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener noreferrer">([^<]+)</a>', card)
    assert html.unescape(link.group(1)) == hit.url and "#:~:text=" in hit.url
    assert link.group(2) == html.escape(hit.article_title)
    assert re.search(r"一致度: (高|中|低) \(\d+%\)", card)


def test_quote_keeps_its_line_breaks(ctx: Context) -> None:
    card = respond(ctx, "OCRって何？").html
    quote = first_quote(card)
    assert "<br>" in quote
    assert "\n" not in card  # one HTML block, so the chat's Markdown renderer leaves it alone


def test_sentence_that_answers_is_highlighted_and_words_stay_verbatim(ctx: Context) -> None:
    card = respond(ctx, "OCRって何？").html
    marked = re.findall(r"<mark>(.*?)</mark>", first_quote(card))
    assert marked and any("OCR" in m for m in marked)
    assert "世田谷区の進んでいる点としては、区役所の内部業務の効率化です。" not in "".join(marked)


def test_up_to_three_related_answers_are_collapsed(ctx: Context) -> None:
    assert not ctx.retriever.search(LEADER).ambiguous  # a clear first answer
    card = respond(ctx, LEADER).html
    [related] = re.findall(r'<details class="related">(.*?)</details>', card)
    assert 1 <= related.count("<blockquote") <= 3
    assert "<details open" not in card
    assert card.count("<blockquote") == 1 + related.count("<blockquote")


def test_when_another_answer_fits_about_as_well_the_card_shows_it_open(ctx: Context) -> None:
    reply = answer(ctx.retriever, LEADER)
    clear = render_answer(reply, ctx.examples)
    alike = render_answer(replace(reply, result=replace(reply.result, ambiguous=True)), ctx.examples)
    assert '<details class="related">' in clear and "関連する回答 (" in clear
    [related] = re.findall(r'<details class="related" open>(.*?)</details>', alike)
    assert "<summary>同じくらい近いほかの回答 (" in related and 1 <= related.count("<blockquote") <= 3


def test_unanswerable_question_says_so_and_offers_questions_the_articles_answer(ctx: Context) -> None:
    turn = respond(ctx, NEAR_NOTHING)
    assert NOT_FOUND in turn.html
    assert "<blockquote" not in turn.html  # never an unrelated quote
    assert re.findall(r"<li>(.*?)</li>", turn.html) == list(ctx.examples)
    assert not turn.answered and turn.passage_ids == ()


def test_an_unanswered_reply_offers_the_example_questions_as_options_to_click(ctx: Context) -> None:
    history, _, _ = on_ask(ctx, NEAR_NOTHING, [], new_state())
    assert NOT_FOUND in history[-1]["content"]
    assert history[-1]["options"] == [{"value": q} for q in ctx.examples]
    assert "<li>" not in history[-1]["content"]  # the buttons, not a second list of the same questions
    for question in (LEADER, "", "😀🎉👍"):  # an answer or a short message offers nothing
        history, _, _ = on_ask(ctx, question, [], new_state())
        assert "options" not in history[-1]


def test_a_clicked_option_is_asked_like_a_typed_question(ctx: Context) -> None:
    history, _, state = on_ask(ctx, NEAR_NOTHING, [], new_state())
    click = gr.SelectData(None, {"index": 1, "value": history[-1]["options"][1]["value"]})
    chosen = chosen_question(click)
    assert chosen == ctx.examples[1]
    history, _, state = on_ask(ctx, chosen, history, state)
    assert len(history) == 4 and visible_text(history[2]["content"]) == chosen
    assert "<blockquote" in history[3]["content"] and "options" not in history[3]
    assert state["replies"]["3"]["ids"]
    assert chosen_question(gr.SelectData(None, {"index": 0, "value": {"text": LEADER}})) == LEADER  # start screen
    assert chosen_question(gr.SelectData(None, {"index": 0, "value": ["<b>"]})) == ""


def test_a_near_miss_offers_the_nearby_questions_the_articles_answer_instead_of_the_examples(ctx: Context) -> None:
    history, _, state = on_ask(ctx, NEAR_MISS, [], new_state())
    reply = history[-1]
    offered = [option["value"] for option in reply["options"]]
    assert NOT_FOUND in reply["content"] and "<blockquote" not in reply["content"]
    assert "記事が答えている質問(あなたの質問に近い順):" in reply["content"]
    assert "記事が答えている質問の例" not in reply["content"]
    assert offered and offered != list(ctx.examples)
    history, _, _ = on_ask(ctx, offered[0], history, state)  # a click on one shows its answer
    assert "<blockquote" in history[-1]["content"]
    listed = respond(ctx, NEAR_MISS)  # the /chat API lists them in the card instead
    assert re.findall(r"<li>(.*?)</li>", listed.html) == offered


def test_html_in_an_offered_question_is_text_in_the_card_and_in_the_option(fake_retriever: Retriever,
                                                                           store: FeedbackStore) -> None:
    planted = "<img src=x onerror=alert(1)>DX推進リーダーとは?"
    history, _, _ = on_ask(Context(fake_retriever, store, (planted,)), UNANSWERABLE, [], new_state())
    assert "<img" not in history[-1]["content"]
    assert html.escape(planted) in respond(Context(fake_retriever, store, (planted,)), UNANSWERABLE).html
    assert history[-1]["options"] == [{"value": planted}]  # a value: Gradio shows it as text, never as markup


def test_every_unanswered_question_is_stored(ctx: Context, store: FeedbackStore) -> None:
    respond(ctx, UNANSWERABLE)
    respond(ctx, LEADER)
    assert [row["question"] for row in store.unanswered()] == [UNANSWERABLE]


@pytest.mark.slow
def test_english_question_gets_english_labels_and_the_japanese_quote(real_retriever: Retriever,
                                                                      store: FeedbackStore) -> None:
    # The real model: the fake embedder has no notion of English, so it cannot tell an English
    # question the articles answer from one they do not.
    ctx = Context(real_retriever, store, ("DX推進担当課は、どのような経緯で設立されたのですか?",))
    card = respond(ctx, "What is a DX promotion leader?").html
    assert "Interviewer's question" in card and "Source:" in card and re.search(r"Match: \w+ \(\d+%\)", card)
    assert "聞き手の質問" not in card
    assert "DX推進リーダー" in first_quote(card)
    assert "The articles do not contain an answer" in respond(ctx, "What time does the library open?").html


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "message"), [
    ("", "質問を入力してください。"),
    ("   \n ", "質問を入力してください。"),
    ("😀🎉👍", "文字で質問してください"),
    ("あ" * (MAX_QUESTION_CHARS + 1), f"{MAX_QUESTION_CHARS}文字以内で入力してください"),
    (None, "この質問は検索できませんでした"),
])
def test_bad_input_gets_a_short_japanese_message(ctx: Context, question: object, message: str) -> None:
    turn = respond(ctx, question)
    assert message in turn.html
    assert "Traceback" not in turn.html and "Error" not in turn.html
    assert turn.searched is None


def test_an_engine_failure_shows_no_internals(ctx: Context) -> None:
    class Broken:
        def search(self, question: str, k: int = 5) -> None:
            raise RuntimeError("faiss exploded at /secret/path")

    turn = respond(Context(Broken(), ctx.store, ctx.examples), LEADER)
    assert "申し訳ありません" in turn.html
    assert "faiss" not in turn.html and "/secret" not in turn.html


# -- HTML never executes -----------------------------------------------------------------------
def test_html_in_a_question_is_shown_as_text(ctx: Context) -> None:
    question = "<script>alert(1)</script><b>DX推進リーダー</b>とは"
    shown = render_question(question)
    assert "<script>" not in shown and "<b>" not in shown
    assert visible_text(shown) == question
    history, _, _ = on_ask(ctx, question, [], new_state())
    assert "<script>" not in history[0]["content"] + history[1]["content"]


def test_html_in_an_article_is_shown_as_text(seeds_copy: Path, tmp_path: Path, store: FeedbackStore) -> None:
    article = seeds_copy / "dx-suishin-tantouka-zenpen.txt"
    source = article.read_text(encoding="utf-8")
    planted = "各部署1人ずつ<script>alert('x')</script><img src=x onerror=alert(1)>DX推進リーダーを任命し"
    article.write_text(source.replace("各部署1人ずつDX推進リーダーを任命し", planted), encoding="utf-8")
    retriever = Retriever.build(load_seeds(seeds_copy), tmp_path / "index", embedder=HashingEmbedder())
    card = respond(Context(retriever, store, ()), LEADER).html
    assert "<script>" not in card and "<img" not in card
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in card


# -- the conversation --------------------------------------------------------------------------
def test_a_follow_up_is_read_after_the_previous_question(ctx: Context) -> None:
    history, cleared, state = on_ask(ctx, "DX推進担当課はどのような経緯で発足しましたか", [], new_state())
    assert cleared == "" and len(history) == 2
    history, _, state = on_ask(ctx, "それはいつから?", history, state)
    assert len(history) == 4
    assert state["replies"]["3"]["question"] == "DX推進担当課はどのような経緯で発足しましたか それはいつから?"
    assert "<blockquote" in history[3]["content"]


def test_a_question_that_stands_alone_is_not_mixed_with_the_previous_one(ctx: Context) -> None:
    _, _, state = on_ask(ctx, "DX推進担当課はどのような経緯で発足しましたか", [], new_state())
    _, _, state = on_ask(ctx, "OCRって何？", [], state)
    assert state["previous"] == "OCRって何？"


def test_votes_are_stored_with_the_passages_that_were_shown(ctx: Context, store: FeedbackStore) -> None:
    history, _, state = on_ask(ctx, LEADER, [], new_state())
    assert on_vote(ctx, state, 1, True)
    assert on_vote(ctx, state, [1], False)
    votes = store.votes()
    assert [v["vote"] for v in votes] == ["up", "down"]
    assert votes[0]["question"] == normalize_question(LEADER)
    assert votes[0]["passage_ids"] == list(respond(ctx, LEADER).passage_ids) and votes[0]["passage_ids"]


def test_a_vote_on_a_message_that_is_not_an_answer_is_ignored(ctx: Context, store: FeedbackStore) -> None:
    _, _, state = on_ask(ctx, "", [], new_state())
    assert not on_vote(ctx, state, 1, True)
    assert not on_vote(ctx, state, 7, True)
    assert store.votes() == []


# -- start screen and settings -----------------------------------------------------------------
def test_the_introduction_names_the_department_only_while_every_article_is_its(fake_retriever: Retriever) -> None:
    one = fake_retriever.articles[0]
    assert f"世田谷区 {one.department}の職員インタビュー記事から" in intro_text(fake_retriever)
    series = SimpleNamespace(articles=[one, replace(one, id="gomi", department="清掃・リサイクル部 事業課")])
    general = intro_text(series)
    assert general.startswith("世田谷区の職員インタビュー記事から") and one.department not in general


def test_a_long_article_list_is_collapsed_under_its_count(fake_retriever: Retriever) -> None:
    one = fake_retriever.articles[0]
    few, many = (SimpleNamespace(articles=[replace(one, id=f"a{i}", title=f"第{i}回") for i in range(n)])
                 for n in (ARTICLES_OPEN, ARTICLES_OPEN + 1))
    assert articles_html(few).startswith('<details id="articles" open>')
    listing = articles_html(many)
    assert listing.startswith('<details id="articles">') and f"検索対象の記事 ({ARTICLES_OPEN + 1})" in listing
    assert listing.count("<li>") == ARTICLES_OPEN + 1


def test_start_screen_lists_the_articles_with_links(fake_retriever: Retriever) -> None:
    listing = articles_html(fake_retriever)
    article = fake_retriever.articles[0]
    assert f'<a href="{article.url}" target="_blank" rel="noopener noreferrer">{html.escape(article.title)}</a>' \
        in listing


def test_settings_come_from_flags_then_environment_then_defaults() -> None:
    assert app.settings_from([], env={}) == app.Settings()
    env = {"APP_PORT": "9000", "RETRIEVAL_INDEX": "/srv/index", "RETRIEVAL_DB": "/srv/fb.sqlite3"}
    settings = app.settings_from(["--port", "8000"], env=env)
    assert settings.port == 8000 and settings.index == Path("/srv/index") and settings.db == Path("/srv/fb.sqlite3")


def test_a_missing_index_is_built_from_the_seeds_with_progress(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    settings = app.Settings(index=tmp_path / "index", model="hashing")
    retriever = app.open_retriever(settings)
    assert retriever.search(LEADER).answered
    assert "embedded" in capsys.readouterr().err


# -- the running server ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(fake_index: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, app.Settings]:
    db = tmp_path_factory.mktemp("server-db") / "feedback.sqlite3"
    settings = app.Settings(index=fake_index, db=db)
    with serving(Retriever.load(fake_index), settings) as url:
        yield url, settings


def test_gradio_client_gets_the_same_reply_as_the_page(server: tuple[str, app.Settings], ctx: Context) -> None:
    url, settings = server
    client = Client(url, verbose=False)
    assert client.predict(LEADER, api_name="/chat") == respond(ctx, LEADER).html
    assert NOT_FOUND in client.predict(UNANSWERABLE, api_name="/chat")
    assert [r["question"] for r in FeedbackStore(settings.db).unanswered()] == [UNANSWERABLE]


def test_the_api_limits_question_length_on_the_server(server: tuple[str, app.Settings]) -> None:
    reply = Client(server[0], verbose=False).predict("あ" * 5000, api_name="/chat")
    assert f"{MAX_QUESTION_CHARS}文字以内で入力してください" in reply


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_seeds_index_and_database_are_never_served(server: tuple[str, app.Settings]) -> None:
    url, settings = server
    Client(url, verbose=False).predict(UNANSWERABLE, api_name="/chat")  # the database now exists
    seed = Path("seeds/dx-suishin-tantouka-zenpen.txt")
    private = [seed, seed.resolve(), settings.index / "CURRENT", settings.db, settings.db.resolve()]
    for path in private:
        for prefix in ("file=", "gradio_api/file="):
            assert status(f"{url}{prefix}{path}") in (403, 404), f"{prefix}{path} was served"


def test_monitoring_page_is_off(server: tuple[str, app.Settings]) -> None:
    assert status(f"{server[0]}monitoring") in (403, 404)
    assert status(f"{server[0]}gradio_api/monitoring") in (403, 404)


def test_page_config_hides_errors_and_uses_a_queue(server: tuple[str, app.Settings]) -> None:
    import json

    with urllib.request.urlopen(f"{server[0]}config", timeout=10) as response:
        config = json.load(response)
    assert config["show_error"] is False and config["enable_queue"] is True


def test_narration_is_credited_to_the_article_not_to_the_department(ctx: Context) -> None:
    card = respond(ctx, "ねつせた!メンバーの「りお」「さとぽん」「ゆー」がお話を伺いました").html
    assert "「りお」「さとぽん」「ゆー」" in first_quote(card)
    who = re.search(r'<div class="meta who">(.*?)</div>', card)[1]
    assert "ねつせた!" in visible_text(who) and "記事本文" in visible_text(who)
    assert "DX推進担当課" not in visible_text(who)
