"""The editors' side: add, remove, list articles; the update lock; live reload."""
