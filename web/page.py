"""The chat page: a Gradio Blocks app and its handlers (ask, click a suggestion, vote).

Handlers are plain functions of a ``Context`` built once at start-up, so tests call them without a
server. Every reply is a card from ``web.cards``; when the articles do not answer a question the
reply also offers questions they do answer as chat options (``Chatbot.option_select``): a click
asks that question.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from retrieval import (
    MAX_QUESTION_CHARS,
    Answer,
    FeedbackError,
    FeedbackStore,
    LiveRetriever,
    QueryError,
    Retriever,
    answer,
    example_questions,
    is_english,
)

from .cards import (
    RELATED,
    TITLE,
    articles_html,
    intro_text,
    offered_questions,
    render_answer,
    render_message,
    render_question,
)
from .limits import ClientLimits

log = logging.getLogger(__name__)

EXAMPLES = 3  # example questions on the start screen and after "not found"

CSS = """
.card { padding: 2px 2px; }
.card blockquote { margin: 0 0 10px; padding: 2px 0 2px 12px; border-left: 4px solid #2b7a78;
                   line-height: 1.8; white-space: normal; }
.card mark { background: #fff1a8; color: inherit; padding: 0 1px; }
.card .meta { font-size: 0.92em; margin: 4px 0; overflow-wrap: anywhere; }
.card details { margin-top: 10px; border-top: 1px dashed var(--border-color-primary); padding-top: 6px; }
.card details summary { cursor: pointer; font-weight: 600; }
.card .related-answer { margin-top: 12px; }
.card .read-as { font-size: 0.88em; color: var(--body-text-color-subdued); margin: 0 0 6px; }
.card .match-low { color: var(--body-text-color-subdued); }
@media (max-width: 640px) {
  #intro h1 { font-size: 1.4em; margin-bottom: 4px; }
  #intro p { font-size: 0.9em; }
}
.asked-text { white-space: pre-wrap; overflow-wrap: anywhere; }
#articles a, .card a { overflow-wrap: anywhere; }
#chat button.example, #chat button.option { border: 1px solid var(--border-color-primary); border-radius: 8px;
                                            background: var(--background-fill-secondary); cursor: pointer; }
#chat button.example:hover, #chat button.option:hover { border-color: var(--color-accent); }
#chat button.option { text-align: left; }
#ask { white-space: nowrap; }
#chat .placeholder { padding: 0 12px; }
/* The page grows with the conversation: no chat box with its own scroll bar (on a phone a nested
   scroll hid the speaker, the question and the link). */
#chat, #chat .wrapper, #chat .bubble-wrap { height: auto !important; max-height: none !important;
                                            overflow: visible !important; }
#chat .bubble-wrap { padding-top: 34px; }  /* room for the clear icon above the first message */
#chat .message-row.bot-row { max-width: 100% !important; }
#chat .bot.message { width: 100%; max-width: 100% !important; }
#chat button[aria-label='Like'] { order: 1; }
#chat button[aria-label='Dislike'] { order: 2; }
#chat .scroll-down-button-container { display: none; }
@media (max-width: 640px) {
  #chat .message-row { margin-left: 0 !important; margin-right: 0 !important; padding-left: 4px !important;
                       padding-right: 4px !important; }
  #chat .bot.message { padding-left: 10px !important; padding-right: 10px !important; }
}
"""


# After a reply the page scrolls so that the reader's question is at the top and the answer below it:
# the page's own script (static/page.js, served by web/api.py; no Gradio ``js=``, which needs eval).
SHOW_LAST_QUESTION = '<script src="/page.js"></script>'
# Gradio scopes ``css`` to the content column; rules for the page around it go in <head>.
HEAD = """<style>
footer { display: none !important; }  /* Gradio's English "Use via API" links and their separators */
@media (max-width: 640px) { .main.fillable { padding-left: 8px !important; padding-right: 8px !important; } }
</style>""" + SHOW_LAST_QUESTION


@dataclass(frozen=True)
class Context:
    """What every handler needs; built once at start-up (no module-level state).

    ``fixed_examples`` pins the example questions (tests); by default they are drawn from the index
    being served and drawn again when a new generation is served (after an ``add``).
    """

    source: Retriever | LiveRetriever
    store: FeedbackStore
    fixed_examples: tuple[str, ...] | None = None
    limits: ClientLimits | None = None  # bounds feedback rows per client and question (None: unbounded)
    _drawn: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def examples(self) -> tuple[str, ...]:
        """Up to three short questions the current index answers."""
        if self.fixed_examples is not None:
            return self.fixed_examples
        return self._for_index("examples", lambda retriever: tuple(example_questions(retriever, EXAMPLES)))

    @property
    def intro(self) -> str:
        """What the page says it answers from, for the articles now served (web.cards.intro_text)."""
        return self._for_index("intro", intro_text)

    def _for_index(self, name: str, compute: Callable[[Retriever], object]) -> object:
        """``compute(retriever)``, kept until another index generation is served."""
        retriever = self.retriever
        served, values = self._drawn.get("cache", (None, {}))
        if served is not retriever:  # a race only computes the same thing twice
            values = {}
            self._drawn["cache"] = (retriever, values)
        if name not in values:
            values[name] = compute(retriever)
        return values[name]

    def may_record(self, client: str, question: str) -> bool:
        """Whether a feedback row from ``client`` about ``question`` may be written now."""
        return self.limits is None or self.limits.feedback_allowed(client, question)

    def note_unanswered(self, client: str, found: Answer) -> None:
        """Store a question the articles did not answer, for ``python -m retrieval report`` (bounded per
        client; a store that cannot be written is logged, never shown to the reader)."""
        if found.answered or not self.may_record(client, found.searched):
            return
        try:
            self.store.record_unanswered(found.searched)
        except FeedbackError as error:
            log.warning("%s", error)

    def note_vote(self, client: str, question: str, passage_ids: Sequence[str], vote: str) -> bool:
        """Store a 👍 (``"up"``) or 👎 (``"down"``) on the reply to ``question`` that showed ``passage_ids``
        (bounded per client like ``note_unanswered``); True when it was stored."""
        if not self.may_record(client, question):
            return False
        try:
            self.store.record_vote(question, passage_ids, vote)
        except FeedbackError as error:
            log.warning("%s", error)
            return False
        return True

    @property
    def retriever(self) -> Retriever:
        """The retriever for this request; a LiveRetriever moves on to new index generations."""
        return self.source.current() if isinstance(self.source, LiveRetriever) else self.source


@dataclass(frozen=True)
class Turn:
    """One reply: its HTML, the questions it offers, and what the feedback store needs to know."""

    html: str
    searched: str | None = None  # None when the question could not be searched
    passage_ids: tuple[str, ...] = ()
    answered: bool = False
    suggestions: tuple[str, ...] = ()  # questions the articles answer, offered when this one is not


def respond(ctx: Context, question: object, previous: str | None = None, listed: bool = True,
            client: str = "") -> Turn:
    """The reply to a question (a follow-up is read after ``previous``). Never raises.

    ``listed``: a "not found" card lists the questions it suggests (the /chat API); the page shows
    them as buttons instead (``listed=False``).
    """
    english = isinstance(question, str) and is_english(question)
    try:
        found = answer(ctx.retriever, question, previous, k=1 + RELATED)
    except QueryError as error:
        key = error.code if error.code in ("empty", "too_long", "no_words") else "invalid"
        return Turn(render_message(key, english))
    except Exception:  # the reader gets a short message; the details go to the server log only
        log.exception("search failed")
        return Turn(render_message("failed", english))
    ctx.note_unanswered(client, found)
    shown = tuple(hit.id for hit in found.hits[: 1 + RELATED]) if found.answered else ()
    offered = offered_questions(found, ctx.examples)  # the ones the card introduces (and lists)
    html = render_answer(found, ctx.examples, listed)
    return Turn(html, found.searched, shown, found.answered, offered)


def new_state() -> dict:
    """A conversation's state: the last searched question and, per reply index, what it showed."""
    return {"previous": None, "replies": {}}


def on_ask(ctx: Context, message: object, history: list | None, state: dict | None,
           client: str = "") -> tuple[list, str, dict]:
    """Chat submit: append the question and its reply; remember what the reply showed, for votes.

    A reply that offers questions carries them as chat ``options`` (plain text values, which the
    Chatbot shows as buttons under the newest reply); a click comes back through ``on_ask``.
    """
    state = state or new_state()
    turn = respond(ctx, message, state.get("previous"), listed=False, client=client)
    reply: dict = {"role": "assistant", "content": turn.html}
    if turn.suggestions:
        reply["options"] = [{"value": q} for q in turn.suggestions]
    history = [*(history or []), {"role": "user", "content": render_question(message)}, reply]
    replies = dict(state.get("replies", {}))
    if turn.searched is not None:
        replies[str(len(history) - 1)] = {"question": turn.searched, "ids": list(turn.passage_ids)}
    return history, "", {"previous": turn.searched or state.get("previous"), "replies": replies}


def on_vote(ctx: Context, state: dict | None, index: int | Sequence[int], liked: object, client: str = "") -> bool:
    """👍/👎 on the reply at ``index`` of the chat; True when a vote was stored."""
    number = index if isinstance(index, int) else index[0]
    reply = (state or {}).get("replies", {}).get(str(number))
    if reply is None or liked not in (True, False):
        return False
    return ctx.note_vote(client, reply["question"], reply["ids"], "up" if liked else "down")


def client_host(request: gr.Request | None) -> str:
    """The client address of a Gradio call (as uvicorn resolved it; see web/limits.py)."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "unknown"


def chosen_question(data: gr.SelectData) -> str:
    """The question a click chose: a start-screen example (``{"text": ...}``) or an offered option."""
    value = data.value
    if isinstance(value, dict):
        value = value.get("text", "")
    return value if isinstance(value, str) else ""


def intro_html(intro: str) -> str:
    return f"<h1>{escape(TITLE)}</h1><p>{escape(intro)}</p>"


def build_page(ctx: Context) -> gr.Blocks:
    """The chat page: description, chat with examples and 👍/👎, question box, article list; the /chat API."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        state = gr.State(new_state())
        # gr.Markdown, not gr.HTML: Gradio 6 compiles a gr.HTML template with new Function, which the
        # page's policy (no 'unsafe-eval') refuses; Markdown renders the same escaped HTML without eval.
        intro = gr.Markdown(intro_html(ctx.intro), elem_id="intro", latex_delimiters=[])
        chatbot = gr.Chatbot(
            elem_id="chat", label="回答", show_label=False, height=None, sanitize_html=True, allow_tags=False,
            latex_delimiters=[], feedback_options=("Like", "Dislike"), buttons=["copy"],
            placeholder="質問を入力するか、下の例をクリックしてください。",
            examples=[{"text": q} for q in ctx.examples],
        )
        with gr.Row(equal_height=True):
            question = gr.Textbox(elem_id="question", show_label=False, scale=5, max_length=MAX_QUESTION_CHARS,
                                  placeholder="例: DX推進リーダーって何をする人?", autofocus=True, max_lines=4)
            ask = gr.Button("質問する", elem_id="ask", variant="primary", scale=1, min_width=90)
        articles = gr.Markdown(articles_html(ctx.retriever), latex_delimiters=[])

        def load_fn(history: list, current: dict, request: gr.Request) -> tuple[gr.Chatbot, dict, str, str]:
            """On page load: the introduction, article list and example questions as the index has them
            now (an editor may have added an article since start-up), and the answer to ``?q=質問``."""
            asked = request.query_params.get("q", "") if request else ""
            if asked.strip():
                history, _, current = on_ask(ctx, asked, history, current)
            chat = gr.Chatbot(value=history, examples=[{"text": q} for q in ctx.examples])
            return chat, current, articles_html(ctx.retriever), intro_html(ctx.intro)

        def ask_fn(message: str, history: list, current: dict, request: gr.Request) -> tuple[list, str, dict]:
            return on_ask(ctx, message, history, current, client_host(request))

        def choose_fn(history: list, current: dict, data: gr.SelectData,
                      request: gr.Request) -> tuple[list, str, dict]:
            return on_ask(ctx, chosen_question(data), history, current, client_host(request))

        def vote_fn(current: dict, data: gr.LikeData, request: gr.Request) -> None:
            on_vote(ctx, current, data.index, data.liked, client_host(request))

        def chat(question: str, request: gr.Request) -> str:
            """Answer one question with a citation card (HTML), the same reply the page shows."""
            return respond(ctx, question, client=client_host(request)).html

        private = {"api_visibility": "private"}
        typed = {"inputs": [question, chatbot, state], "outputs": [chatbot, question, state], **private}
        clicked = {"inputs": [chatbot, state], "outputs": [chatbot, question, state], **private}
        question.submit(ask_fn, **typed)
        ask.click(ask_fn, **typed)
        chatbot.example_select(choose_fn, **clicked)
        chatbot.option_select(choose_fn, **clicked)
        chatbot.like(vote_fn, [state], None, **private)
        chatbot.clear(new_state, None, state, **private)
        page.load(load_fn, [chatbot, state], [chatbot, state, articles, intro], **private)
        gr.api(chat, api_name="chat")
    return page


def mount_page(api: FastAPI, ctx: Context, *, queue_size: int, concurrency: int,
               blocked_paths: Sequence[Path]) -> FastAPI:
    """Mount the chat page at "/" of ``api``, with the hardening of docs/app.md; returns ``api``."""
    page = build_page(ctx).queue(max_size=queue_size, default_concurrency_limit=concurrency)
    api.state.page = page  # its functions and queue sessions are what Gradio calls may name (web/limits.py)
    theme = gr.themes.Soft(font=["Noto Sans CJK JP", "Noto Sans JP", "system-ui", "sans-serif"],
                           font_mono=["Noto Sans Mono CJK JP", "monospace"])
    return gr.mount_gradio_app(
        api, page, path="/", footer_links=[], head=HEAD, run_history=False, allowed_paths=[],
        blocked_paths=[str(Path(p).resolve()) for p in blocked_paths], show_error=False, enable_monitoring=False,
        ssr_mode=False, pwa=False, mcp_server=False, max_file_size="1kb", theme=theme, css=CSS,
    )
