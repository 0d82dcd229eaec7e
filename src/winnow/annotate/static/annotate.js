// The annotation page. Document text is only ever set with textContent: it is shown, never parsed.
"use strict";

const KEYS = { a: "a", b: "b", t: "tie", s: "skip" };
const $ = (id) => document.getElementById(id);
const state = { rater: localStorage.getItem("winnow.rater"), session: sessionId(), pair: null, busy: false };

function sessionId() {
  // one id per browser tab: progress counts this tab's judgments, and survives reloads and server restarts
  let id = sessionStorage.getItem("winnow.session");
  if (!id) {
    id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + String(Math.random()).slice(2));
    sessionStorage.setItem("winnow.session", id);
  }
  return id;
}

function setState(name) { document.body.dataset.state = name; }
function say(text, isError) { $("message").textContent = text; $("message").className = isError ? "error" : ""; }

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: "server sent no JSON (" + response.status + ")" }));
  if (!response.ok) throw new Error(body.error || "request failed (" + response.status + ")");
  return body;
}

function showProgress(p) {
  const extra = p.skipped ? " · " + p.skipped + " skipped" : "";
  $("progress").textContent = p.judged + " / " + p.target + " judged this session" + extra +
    " · " + p.judged_all_sessions + " in all";
  if (p.judged === p.target) say("Target reached, thank you! Keep going if you like.");
}

function showDoc(side, doc) {
  const pane = $("doc-" + side);
  pane.textContent = doc.text;           // never innerHTML: a document's <script> is text to judge
  pane.dataset.id = doc.id;
  pane.scrollTop = 0;
  $("note-" + side).textContent = doc.truncated ? "(first " + doc.text.length + " of " + doc.n_chars + " characters)" : "";
}

async function loadNext() {
  state.busy = true;
  setState("loading");
  const query = new URLSearchParams({ rater: state.rater, session: state.session });
  try {
    const next = await api("/api/next?" + query);
    showProgress(next.progress);
    state.pair = next.pair;
    if (!next.pair) {
      $("pair").hidden = $("choices").hidden = true;
      say(next.message || "No more pairs to show.");
      setState("done");
      return;
    }
    showDoc("a", next.pair.a);
    showDoc("b", next.pair.b);
    $("pair").hidden = $("choices").hidden = false;
    setState("ready");
    state.busy = false;
  } catch (err) {
    say("Could not load a pair: " + err.message + " (reload to retry)", true);
    setState("error");
  }
}

async function judge(choice) {
  if (state.busy || !state.pair) return;
  state.busy = true;
  setState("saving");
  const pair = state.pair;
  const judgment = { token: pair.token, rater: state.rater, session: state.session, a_id: pair.a.id,
                     b_id: pair.b.id, choice: choice, kind: pair.kind };
  try {
    const saved = await api("/api/judgments", { method: "POST", headers: { "Content-Type": "application/json" },
                                                 body: JSON.stringify(judgment) });
    say("");
    showProgress(saved.progress);
    await loadNext();
  } catch (err) {
    say("Not saved: " + err.message + " (press the key again to retry)", true);
    state.busy = false;
    setState("ready");
  }
}

function askRater() {
  $("rater-form").hidden = false;
  $("pair").hidden = $("choices").hidden = $("who").hidden = true;
  $("rater-input").value = state.rater || "";
  $("rater-input").focus();
  setState("name");
}

function start() {
  $("rater-input").blur();  // keys go to the page again, not to the (now hidden) name box
  $("rater-form").hidden = true;
  $("who").hidden = false;
  $("rater-name").textContent = state.rater;
  loadNext();
}

$("rater-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("rater-input").value.trim();
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u.test(name)) {
    $("rater-error").textContent = "Use 1 to 64 letters, digits, spaces, '.', '-' or '_', starting with a letter or digit.";
    return;
  }
  $("rater-error").textContent = "";
  state.rater = name;
  localStorage.setItem("winnow.rater", name);
  start();
});
$("change-rater").addEventListener("click", askRater);
document.querySelectorAll("#choices button").forEach((button) =>
  button.addEventListener("click", () => judge(button.dataset.choice)));
document.addEventListener("keydown", (event) => {
  if (event.target.tagName === "INPUT" || event.ctrlKey || event.metaKey || event.altKey) return;
  const choice = KEYS[event.key.toLowerCase()];
  if (choice) { event.preventDefault(); judge(choice); }
});

if (state.rater) start(); else askRater();
