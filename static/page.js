// The chat page's own script. After each answer the reader's question is scrolled to the top, so the
// answer reads from its start. A file, not Gradio's ``js=`` (Gradio runs those with the Function
// constructor, which the page's policy refuses: no 'unsafe-eval') nor an inline <script> (Gradio
// copies its ``head`` into the page from JavaScript, without the page's nonce).
(() => {
  if (window.netsusetaPage) return;  // Gradio may insert the head's tags more than once
  window.netsusetaPage = true;
  let answers = 0, timer = 0;
  const show = () => {
    const count = document.querySelectorAll("#chat [data-testid='bot']").length;
    if (count === answers) return;
    answers = count;
    const asked = document.querySelectorAll("#chat [data-testid='user']");
    if (asked.length) asked[asked.length - 1].scrollIntoView({block: "start"});
  };
  new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(show, 60); })
    .observe(document.documentElement, {childList: true, subtree: true});
})();
