"""The web layer and the entry point use only the engine's public API (``retrieval.__all__``)."""

from __future__ import annotations

import ast
from pathlib import Path

import retrieval

ROOT = Path(__file__).resolve().parent.parent


def test_web_and_app_import_only_the_public_names_of_retrieval() -> None:
    for path in [ROOT / "app.py", *sorted((ROOT / "web").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("retrieval"):
                assert node.module == "retrieval", f"{path.name} imports the internal module {node.module}"
                names = {alias.name for alias in node.names}
                assert names <= set(retrieval.__all__), f"{path.name}: {names - set(retrieval.__all__)}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("retrieval.") for a in node.names), path.name


def test_every_public_name_exists_and_the_list_is_short() -> None:
    assert all(hasattr(retrieval, name) for name in retrieval.__all__)
    assert len(retrieval.__all__) <= 24


# The pipeline's stages, lowest first: a stage imports only from stages below it (and the shared
# top-level modules errors, settings and files), so the folders read in the order data flows.
STAGES = ["ingest", "index", "search", "editing", "readers"]
SHARED = {"errors", "settings", "files"}


def test_stages_import_only_from_the_stages_below_them() -> None:
    for stage in STAGES:
        for path in sorted((ROOT / "retrieval" / stage).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom) or node.level == 0:
                    continue
                target = (node.module or "").split(".")[0]
                if node.level == 1 or target in SHARED:
                    continue  # the same stage, or a shared module
                assert target in STAGES, f"{stage}/{path.name} imports {target}"
                below = STAGES.index(target) < STAGES.index(stage)
                assert below, f"{stage}/{path.name} imports from {target}, a later stage"
