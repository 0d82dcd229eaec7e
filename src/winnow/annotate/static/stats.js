// The stats page: numbers from /api/stats, written with textContent only.
"use strict";

const $ = (id) => document.getElementById(id);
const missing = (x) => x === null || x === undefined;
const pct = (x) => (missing(x) ? "–" : (100 * x).toFixed(1) + " %");
const num = (x) => (missing(x) ? "–" : String(x));
const kappa = (x) => (missing(x) ? "–" : x.toFixed(2));

function row(cells) {
  const tr = document.createElement("tr");
  for (const value of cells) {
    const td = document.createElement("td");
    td.textContent = String(value);
    tr.appendChild(td);
  }
  return tr;
}

function showRaters(j) {
  $("overall").textContent = j.n_judgments + " judgments stored · " + j.n_exported + " exported for the rater" +
    " · agreement between raters on shared pairs: " + pct(j.inter_rater_agreement) + " (" + j.n_inter_rater + " votes" +
    ", Cohen's κ " + kappa(j.inter_rater_kappa) + ")" +
    (j.n_conflicting_repeats ? " · " + j.n_conflicting_repeats + " pair(s) judged both ways by one rater, not exported" : "");
  const body = $("raters").tBodies[0];
  body.replaceChildren(...j.raters.map((r) => row([r.rater, r.judged, r.a, r.b, r.tie, r.skipped, r.n_repeated,
    pct(r.self_consistency), r.n_shared, pct(r.agreement_with_others), kappa(r.kappa_with_others)])));
}

function showModel(m, exportPath) {
  const body = $("model-table").tBodies[0];
  if (m.status !== "retrained") {
    $("model").textContent = "Not retrained yet. " + (m.detail || "") + ". Run curate on " + exportPath +
      " (see README, \"Rate documents yourself\").";
    body.replaceChildren();
    return;
  }
  $("model").textContent = "Latest MLflow run that fitted the rater: " + m.run_id + ", started " + m.started +
    ", fitted on " + m.pairwise_path + "." + ((m.raters_in_run || []).length ? "" :
    " It used none of this page's judgments: not retrained on them yet (run curate on " + exportPath + ").");
  const rows = [["held-out agreement (Bradley–Terry)", pct(m.heldout_agreement_bt)],
    ["held-out agreement (combined score)", pct(m.heldout_agreement_combined)],
    ["held-out decisive judgments", num(m.n_heldout_decisive)], ["valid judgments fitted", num(m.pairs_valid)],
    ["inter-rater agreement in that file", pct(m.inter_rater_agreement)]];
  for (const [rater, value] of Object.entries(m.model_agreement_by_rater || {}))
    rows.push(["model agrees with " + rater + " (held out)", pct(value)]);
  body.replaceChildren(...rows.map(row));
}

fetch("/api/stats")
  .then((r) => r.json().then((body) => { if (!r.ok) throw new Error(body.error || r.status); return body; }))
  .then((s) => { showRaters(s.judgments); showModel(s.model, s.export); document.body.dataset.state = "ready"; })
  .catch((err) => { $("message").textContent = "Could not load stats: " + err.message; document.body.dataset.state = "error"; });
