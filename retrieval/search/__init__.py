"""Answering: ranking and abstention, citations, the Retriever, quality measures."""
