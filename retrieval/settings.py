"""The settings app.py and ``python -m retrieval`` share, read in one place.

Both read flags first, then these environment variables, then these defaults: a flag's default is
``setting_defaults()[name]``, so the environment always wins over the built-in default and a flag
over both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .index.embedding import DEFAULT_MODEL
from .readers.feedback import DEFAULT_DB

SHARED = {
    "index": ("RETRIEVAL_INDEX", "index"),
    "seeds": ("RETRIEVAL_SEEDS", "seeds"),
    "db": ("RETRIEVAL_DB", str(DEFAULT_DB)),
    "model": ("RETRIEVAL_MODEL", DEFAULT_MODEL),
}


def setting_defaults(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each shared setting from its environment variable, else its built-in default."""
    env = os.environ if env is None else env
    return {name: env.get(variable) or default for name, (variable, default) in SHARED.items()}
