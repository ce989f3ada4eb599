/* せたがやDXインタビュー Q&A: a floating 「DXについて質問する」 button with a small chat panel.
 *
 *   <script src="https://HOST/widget.js" defer></script>
 *
 * Answers come from HOST/api/ask (the address is taken from this script's own src) and are quotes
 * from the interviews with a link to the article. Everything lives in a shadow root with its own
 * styles (open, so that tests and assistive tools can reach it; closing it would add no security),
 * the DOM is built with createElement/textContent only (never innerHTML), no global names are
 * added, and nothing is stored (no cookies, no localStorage). /embed loads this script
 * with data-mode="embed": the panel then fills the page and there is no button (and /embed?q=... asks on
 * load). The labels, limits and example questions come from HOST/api/card (web/cards.py), so the
 * widget shows the same card as the chat page.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.src || document.querySelector("[data-dxqa-widget]")) return;

  const API = new URL("api/ask", script.src).href;
  const VOTE = new URL("api/vote", script.src).href; // 👍/👎, for the editors' report
  const CARD = new URL("api/card", script.src).href; // labels, limits and examples, defined once in Python
  const EMBED = script.getAttribute("data-mode") === "embed";
  const CSS = `
    *, *::before, *::after { box-sizing: border-box; }
    [hidden] { display: none !important; }
    .dxqa { font-family: system-ui, -apple-system, "Hiragino Sans", "Noto Sans CJK JP", "Noto Sans JP",
            "Yu Gothic UI", Meiryo, sans-serif; font-size: 15px; line-height: 1.6; color: #1f2328;
            text-align: left; letter-spacing: normal; }
    button, input { font: inherit; color: inherit; margin: 0; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; padding: 12px 18px;
                border: 0; border-radius: 999px; background: #2b7a78; color: #fff; font-weight: 600;
                box-shadow: 0 4px 14px rgba(0, 0, 0, .25); cursor: pointer; }
    .launcher:hover, .send:hover { background: #205e5c; }
    .launcher:focus-visible, .send:focus-visible, .close:focus-visible, a:focus-visible {
      outline: 3px solid #f0b400; outline-offset: 2px; }
    .panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483000; display: flex;
             flex-direction: column; width: min(400px, calc(100vw - 24px)); height: min(580px, calc(100vh - 108px));
             background: #fff; border: 1px solid #d0d7de; border-radius: 12px; overflow: hidden;
             box-shadow: 0 10px 32px rgba(0, 0, 0, .22); }
    .embed .panel { top: 0; left: 0; right: 0; bottom: 0; width: 100%; height: 100%; border: 0;
                    border-radius: 0; box-shadow: none; }
    header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #2b7a78; color: #fff; }
    .title { flex: 1; font-weight: 700; }
    .close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1; padding: 2px 8px;
             cursor: pointer; border-radius: 6px; }
    .log { flex: 1; overflow-y: auto; padding: 12px; background: #f6f8fa; display: flex; flex-direction: column;
           gap: 10px; }
    .intro { margin: 0; font-size: 13px; color: #57606a; }
    .user { align-self: flex-end; max-width: 85%; margin: 0; padding: 6px 10px; border-radius: 10px;
            background: #dff3f1; white-space: pre-wrap; overflow-wrap: anywhere; }
    .card { padding: 10px 12px; border: 1px solid #d0d7de; border-radius: 8px; background: #fff; }
    .card p { margin: 0; }
    .status { color: #57606a; font-size: 13px; }
    mark { background: #fff1a8; color: inherit; padding: 0 1px; }
    .read-as { font-size: 12px; color: #57606a; margin: 0 0 6px; }
    .suggestions { display: flex; flex-direction: column; gap: 6px; margin-top: 6px; }
    .suggestion { text-align: left; padding: 6px 10px; border: 1px solid #d0d7de; border-radius: 8px;
                  background: #fff; cursor: pointer; }
    .suggestion:hover { border-color: #2b7a78; }
    blockquote { margin: 0 0 8px; padding: 2px 0 2px 10px; border-left: 4px solid #2b7a78;
                 white-space: pre-wrap; overflow-wrap: anywhere; }
    .meta { margin: 2px 0; font-size: 13px; color: #57606a; overflow-wrap: anywhere; }
    .who { color: #1f2328; font-weight: 600; }
    a { color: #0b5cad; text-decoration: underline; }
    details { margin-top: 10px; border-top: 1px dashed #d0d7de; padding-top: 6px; }
    summary { cursor: pointer; font-weight: 600; font-size: 14px; }
    details .quote { margin-top: 10px; }
    form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d0d7de; background: #fff; }
    input { flex: 1; min-width: 0; padding: 8px 10px; border: 1px solid #8c959f; border-radius: 8px;
            background: #fff; font-size: 16px; }
    .send { padding: 8px 14px; border: 0; border-radius: 8px; background: #2b7a78; color: #fff;
            font-weight: 600; white-space: nowrap; cursor: pointer; }
    .send:disabled { opacity: .6; cursor: wait; }
    .votes { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 8px; }
    .vote { padding: 2px 10px; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; cursor: pointer; }
    .vote:disabled { cursor: default; opacity: .6; }
    .vote[aria-pressed="true"] { opacity: 1; border-color: #2b7a78; background: #dff3f1; }
    .vote:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
    .thanks { font-size: 12px; color: #57606a; }
    @media (max-width: 480px) {
      .dxqa:not(.embed) .panel { left: 12px; right: 12px; width: auto; bottom: 76px; }
    }`;

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) node.append(typeof child === "string" ? document.createTextNode(child) : child);
    return node;
  }

  const text = (value) => (typeof value === "string" ? value : "");
  const onPage = (value) => text(value).split("🔗").join(""); // the text files' link markers are not on the page

  function link(url, title) {
    let target = null;
    try {
      target = new URL(text(url));
    } catch (_) { /* no usable link: show the title only */ }
    if (!target || (target.protocol !== "https:" && target.protocol !== "http:")) return text(title) || "";
    return el("a", { href: target.href, target: "_blank", rel: "noopener noreferrer" }, text(title) || target.href);
  }

  function start(config) {
    const TEXT = config.labels;
    const LIMITS = config.limits;
    const EXAMPLES = Array.isArray(config.examples) ? config.examples.filter((q) => typeof q === "string") : [];
    const label = (key, values = {}) => text(TEXT[key]).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));

    function date(published) {
      const found = /^(\d{4})-(\d{2})-(\d{2})/.exec(text(published));
      return found ? label("published", { year: found[1], month: Number(found[2]), day: Number(found[3]) }) : "";
    }

    function quote(hit) {
      const article = hit.article && typeof hit.article === "object" ? hit.article : {};
      const segments = Array.isArray(hit.quote) ? hit.quote : [{ text: hit.text, marked: false }];
      const body = el("blockquote", {}, ...segments.map((s) => (s && s.marked ? el("mark", {}, onPage(s.text)) : onPage(s && s.text))));
      const speaker = text(hit.speaker) || TEXT.narration;
      const where = hit.kind === "narration" ? (hit.speaker ? `(${TEXT.narration})` : "")
        : (text(hit.department) ? `(${text(hit.department)})` : "");
      const parts = [body, el("p", { class: "meta who" }, `— ${speaker}${where}`)];
      if (text(hit.question)) parts.push(el("p", { class: "meta asked" }, `${TEXT.asked}: 「${onPage(hit.question)}」`));
      const when = date(article.published);
      parts.push(el("p", { class: "meta source" }, `${TEXT.source}: `, link(hit.url, article.title), when ? ` (${when})` : ""));
      const level = ["high", "mid", "low"].includes(hit.level) ? hit.level : "low";
      const percent = typeof hit.score === "number" ? ` (${Math.round(hit.score * 100)}%)` : "";
      parts.push(el("p", { class: `meta match match-${level}` }, `${TEXT.match}: ${TEXT[level]}${percent}`));
      return el("div", { class: "quote" }, ...parts);
    }

    function message(words, kind = "message") {
      return el("div", { class: `card ${kind}` }, el("p", {}, words));
    }

    function suggestions(questions) {
      return el("div", { class: "suggestions" }, ...questions.map((q) => {
        const button = el("button", { type: "button", class: "suggestion" }, q);
        button.addEventListener("click", () => ask(q));
        return button;
      }));
    }

    function answerCard(data) {
      const hits = Array.isArray(data.hits) ? data.hits.filter((h) => h && typeof h === "object") : [];
      const readAs = text(data.read_as) ? [el("p", { class: "read-as" }, label("read_as", { topic: data.read_as }))] : [];
      if (data.answered !== true || !hits.length) {
        const card = el("div", { class: "card not-found" }, ...readAs, el("p", {}, el("b", {}, TEXT.not_found)));
        // Questions near this one that the articles answer (as many as the server offers, as on the
        // page), else the usual examples.
        const near = Array.isArray(data.suggestions) ? data.suggestions.filter((q) => typeof q === "string") : [];
        if (near.length) card.append(el("p", {}, TEXT.nearby), suggestions(near));
        else if (EXAMPLES.length) card.append(el("p", {}, TEXT.try), suggestions(EXAMPLES));
        return card;
      }
      const card = el("div", { class: "card answer" }, ...readAs, quote(hits[0]));
      if (typeof data.query === "string") {
        const share = new URL(`a?${new URLSearchParams({ q: data.query })}`, script.src).href;
        card.append(el("p", { class: "meta share" }, el("a", { href: share, target: "_blank", rel: "noopener" }, TEXT.permalink)));
      }
      const more = hits.slice(1, 1 + LIMITS.related)
        .filter((h) => typeof h.score === "number" && h.score >= LIMITS.related_min_score);
      // Open when another answer fits about as well as the first (the first may not be the one asked for).
      const alike = data.ambiguous === true;
      if (more.length) {
        card.append(el("details", alike ? { open: "" } : {},
          el("summary", {}, `${alike ? TEXT.alike : TEXT.related} (${more.length})`), ...more.map(quote)));
      }
      if (typeof data.query === "string") card.append(votes(data.query, [hits[0], ...more].map((h) => text(h.id))));
      return card;
    }

    /** 👍/👎 under an answer: stored for the editors' report (python -m retrieval report), as on the page. */
    function votes(query, ids) {
      const row = el("p", { class: "votes" });
      const buttons = [["up", "👍", TEXT.helpful], ["down", "👎", TEXT.not_helpful]].map(([vote, icon, name]) => {
        // The words too, not the emoji alone: a device without an emoji font still shows what it does.
        const button = el("button", { type: "button", class: "vote", "aria-label": text(name),
                                      "aria-pressed": "false" }, `${icon} ${text(name)}`);
        button.addEventListener("click", () => {
          for (const each of buttons) each.disabled = true;
          button.setAttribute("aria-pressed", "true");
          fetch(VOTE, { method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
                        body: JSON.stringify({ q: query, ids: ids.filter(Boolean), vote }) })
            .catch(() => { /* a lost vote is not worth bothering the reader about */ });
          row.append(el("span", { class: "thanks", role: "status" }, text(TEXT.thanks)));
        });
        return button;
      });
      row.append(...buttons);
      return row;
    }

    // -- the panel ------------------------------------------------------------------------------
    const host = el("div", { "data-dxqa-widget": "" });
    host.style.setProperty("all", "initial", "important"); // the host page's own rules do not reach in
    const root = host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", {}, CSS));
    }

    const welcome = el("div", { class: "welcome" }, el("p", { class: "intro" }, TEXT.intro));
    if (EXAMPLES.length) welcome.append(el("p", { class: "intro" }, TEXT.examples), suggestions(EXAMPLES));
    const log = el("div", { class: "log", role: "log", "aria-live": "polite" }, welcome);
    const input = el("input", { type: "text", maxlength: String(LIMITS.max_chars), "aria-label": TEXT.label,
                                placeholder: TEXT.placeholder, enterkeyhint: "send", autocomplete: "off" });
    const send = el("button", { type: "submit", class: "send" }, TEXT.send);
    const form = el("form", {}, input, send);
    const close = el("button", { type: "button", class: "close", "aria-label": TEXT.close, title: TEXT.close }, "×");
    const header = el("header", {}, el("span", { class: "title" }, TEXT.title));
    if (!EMBED) header.append(close);
    const panel = el("section", { class: "panel", role: EMBED ? "region" : "dialog", "aria-label": TEXT.title },
                     header, log, form);
    const launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false" }, TEXT.open);
    const frame = el("div", { class: EMBED ? "dxqa embed" : "dxqa", lang: "ja" }, panel);
    if (!EMBED) {
      panel.hidden = true;
      frame.prepend(launcher);
    }
    root.append(frame);

    function show(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      (open ? input : launcher).focus();
    }

    launcher.addEventListener("click", () => show(panel.hidden));
    close.addEventListener("click", () => show(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !EMBED) show(false);
    });

    function add(node) {
      log.append(node);
      return node;
    }

    let busy = false;
    let previous = null; // what the last question searched: a follow-up is read after it

    async function ask(question) {
      if (busy) return;
      if (!question) {
        add(message(TEXT.empty));
        return;
      }
      busy = true;
      send.disabled = true;
      const asked = add(el("p", { class: "user" }, question));
      input.value = "";
      const waiting = add(el("p", { class: "status" }, TEXT.searching));
      log.scrollTop = log.scrollHeight;
      let reply;
      try {
        const params = { q: question, k: String(LIMITS.k) };
        if (previous) params.prev = previous;
        const response = await fetch(`${API}?${new URLSearchParams(params)}`,
                                     { credentials: "omit", headers: { Accept: "application/json" } });
        const data = await response.json().catch(() => null);
        if (response.ok && data && typeof data === "object") {
          reply = answerCard(data);
          if (typeof data.query === "string") previous = data.query;
        } else if (response.status === 429) reply = message(TEXT.rate_limited);
        else reply = message(TEXT[data && ["empty", "too_long", "no_words"].includes(data.error) ? data.error : "failed"]);
      } catch (_) {
        reply = message(TEXT.failed);
      }
      waiting.remove();
      add(reply);
      log.scrollTop = asked.offsetTop - log.offsetTop - 8; // the reader's question at the top, the answer below
      busy = false;
      send.disabled = false;
      input.focus();
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      ask(input.value.trim());
    });

    if (document.body) document.body.append(host);
    else document.addEventListener("DOMContentLoaded", () => document.body.append(host), { once: true });
    const given = EMBED ? new URLSearchParams(window.location.search).get("q") : null;
    if (given && given.trim()) ask(given.trim().slice(0, LIMITS.max_chars)); // /embed?q=... asks on load
  }

  fetch(CARD, { credentials: "omit", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((config) => {
      if (config && config.labels && config.limits) start(config);
    })
    .catch(() => { /* the service cannot be reached: no widget rather than one that cannot answer */ });
})();
