// The province's data-entry form: the values typed are sent as one request (POST
// /report-entry/send, the same handler as POST /api/plans/{id}/reports, on the login), then each
// row is followed to accepted or rejected on /report/status, as the upload page does. What was
// typed is never cleared: a row refused is marked with its message, to fix and send again.
(function () {
  const form = document.getElementById("entry-form");
  if (!form) return;
  const plan = form.dataset.plan, period = form.dataset.period;
  const th = document.documentElement.lang === "th";
  const words = JSON.parse(document.getElementById("status-words").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const summary = document.getElementById("entry-summary");
  const button = document.getElementById("entry-send");
  const rows = [...form.querySelectorAll("tbody tr[data-indicator]")];
  const field = (tr, name) => tr.querySelector(`[name="${name}"]`).value.trim();
  const internal = tr => tr.querySelector('[name="internal"]').checked;

  function mark(tr, status, text) {
    const cell = tr.querySelector("td.outcome");
    cell.textContent = text;
    if (status) cell.dataset.status = status; else delete cell.dataset.status;
    const bad = status === "refused" || status === "rejected";
    tr.classList.toggle("bad", bad);
    tr.querySelector('[name="value"]').setAttribute("aria-invalid", bad ? "true" : "false");
  }

  // both languages, the page's first: the message is the gateway's own, Thai and English
  const bilingual = e => (th ? [e.message_th, e.message_en] : [e.message_en, e.message_th])
    .filter(Boolean).join(" / ");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();  // Enter in any box sends, as the button does
    // a row only marked internal is sent too: the API then says its value is missing
    const typed = rows.filter(tr => ["value", "note", "evidence"].some(n => field(tr, n)) || internal(tr));
    rows.forEach(tr => { mark(tr, null, ""); delete tr.dataset.event; });
    if (!typed.length) { summary.textContent = words.nothing_typed; return; }
    const items = typed.map(tr => ({indicator: tr.dataset.indicator, period,
                                    value: field(tr, "value"), note: field(tr, "note") || null,
                                    evidence: field(tr, "evidence") || null,
                                    internal: internal(tr)}));
    button.disabled = true;
    summary.textContent = words.sending;
    try {
      const answer = await fetch(`/report-entry/send?plan=${encodeURIComponent(plan)}`, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(items),
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}});
      const body = await answer.json();
      if (answer.status === 202) {
        typed.forEach((tr, i) => { tr.dataset.event = body.event_ids[i]; mark(tr, "pending", words.pending); });
        follow(typed);
        return;
      }
      const error = body.error || {};
      summary.textContent = bilingual({message_th: error.message_th, message_en: error.message});
      if (!error.rows) return;
      const refused = new Set();
      for (const row of error.rows) {
        const tr = typed[row.row];
        if (!tr) continue;
        if (row.errors.length) {
          refused.add(tr);
          mark(tr, "refused", `${words.entry_refused}: ` + row.errors.map(bilingual).join("; "));
        }
      }
      typed.filter(tr => !refused.has(tr)).forEach(tr => mark(tr, null, words.not_sent_yet));
      const first = typed.find(tr => refused.has(tr));
      if (first) first.querySelector('[name="value"]').focus();
    } catch (err) {
      summary.textContent = String(err);
    } finally {
      button.disabled = false;
    }
  });

  async function follow(sent) {
    const query = sent.map(tr => `event_id=${encodeURIComponent(tr.dataset.event)}`).join("&");
    const answer = await (await fetch(`/report/status?plan=${encodeURIComponent(plan)}&${query}`,
                                      {credentials: "same-origin"})).json();
    let pending = 0;
    for (const tr of sent) {
      const s = answer.statuses[tr.dataset.event];
      if (!s) continue;
      mark(tr, s.status, words[s.status] + (s.reason ? `: ${s.reason}` : ""));
      if (s.status === "pending") pending += 1;
    }
    summary.textContent = `${sent.length - pending} / ${sent.length}`;
    if (pending) setTimeout(() => follow(sent), 1000);
  }
})();
