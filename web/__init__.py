"""The web layer behind ``app.py``, one module per concern.

- ``web.cards``: HTML for reply cards, messages, the reader's question and the article list (all escaping).
- ``web.page``: the Gradio chat page and its handlers (``Context``, ``respond``, ``on_ask``, ``on_vote``).
- ``web.api``: the JSON API, /embed, /widget.js, security headers, CORS, rate limit, admin reload.

It uses only the ``retrieval`` package's public API (``retrieval.__all__``).
"""
