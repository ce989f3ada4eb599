"""Reading articles: parse the series' layouts, cut passages, Japanese text helpers, safe links."""
