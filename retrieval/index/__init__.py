"""The index: embeddings, BM25, the articles' vocabulary, calibration, generations on disk."""
