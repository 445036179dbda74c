// The province's upload: check the file (nothing sent), then send it and follow each report to
// accepted or rejected. Same-origin requests; the login cookie identifies the province.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const plan = form.dataset.plan, th = form.dataset.lang === "th";
  const words = JSON.parse(document.getElementById("status-words").textContent);
  const file = document.getElementById("upload-file");
  const checkButton = document.getElementById("check-button");
  const sendButton = document.getElementById("send-button");
  const summary = document.getElementById("upload-summary");
  const table = document.getElementById("upload-rows");
  const body = table.querySelector("tbody");
  const fmt = () => (file.files[0].name.toLowerCase().endsWith(".csv") ? "csv" : "xlsx");

  async function post(action) {
    const answer = await fetch(`/report/${action}?plan=${encodeURIComponent(plan)}&format=${fmt()}`,
                               {method: "POST", body: file.files[0], credentials: "same-origin",
                                headers: {"X-CSRF-Token": csrfToken()}});
    return [answer.status, await answer.json()];
  }

  function show(rows) {
    body.replaceChildren();
    for (const row of rows) {
      const tr = document.createElement("tr");
      if (row.event_id) tr.dataset.event = row.event_id;
      const problems = row.errors.map(e => `${e.cell}: ${th ? e.message_th : e.message_en}`).join("; ");
      for (const text of [`${row.sheet} ${row.row}`, row.subject, row.period || "",
                          problems || words.ok_row, ""]) {
        const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
      }
      tr.className = row.errors.length ? "bad" : "";
      body.appendChild(tr);
    }
    table.hidden = false;
  }

  checkButton.addEventListener("click", async () => {
    if (!file.files.length) return;
    sendButton.disabled = true;
    const [status, answer] = await post("check");
    if (status !== 200) { summary.textContent = answer.error.message; return; }
    show(answer.rows);
    summary.textContent = answer.problems ? `${answer.problems} ${words.problem}`
                                          : `${answer.reports} ${words.ok_row}`;
    if (answer.rows_shown < answer.rows_total) {  // the answer lists at most so many rows
      summary.textContent += ` (${answer.rows_shown} / ${answer.rows_total})`;
    }
    sendButton.disabled = answer.problems > 0 || answer.reports === 0;
  });

  sendButton.addEventListener("click", async () => {
    sendButton.disabled = true;
    const [status, answer] = await post("send");
    if (status !== 202) { summary.textContent = answer.error.message; return; }
    show(answer.rows);
    follow(answer.event_ids);
  });

  async function follow(ids) {
    const query = ids.map(id => `event_id=${encodeURIComponent(id)}`).join("&");
    const answer = await (await fetch(`/report/status?plan=${encodeURIComponent(plan)}&${query}`,
                                      {credentials: "same-origin"})).json();
    let pending = 0;
    for (const [id, s] of Object.entries(answer.statuses)) {
      const cell = body.querySelector(`tr[data-event="${id}"] td:last-child`);
      if (cell) {
        cell.textContent = words[s.status] + (s.reason ? `: ${s.reason}` : "");
        cell.dataset.status = s.status;
      }
      if (s.status === "pending") pending += 1;
    }
    summary.textContent = `${ids.length - pending} / ${ids.length}`;
    if (pending) setTimeout(() => follow(ids), 1000);
  }
})();
