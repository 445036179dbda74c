// Project progress by form: each row is sent as one project report (POST /project-report/send,
// the same path as POST /api/plans/{id}/project-reports, on the login cookie), then followed
// to accepted or rejected. Same-origin requests only.
(function () {
  const table = document.getElementById("progress-forms");
  if (!table) return;
  const plan = table.dataset.plan;
  const words = JSON.parse(document.getElementById("status-words").textContent);
  const number = v => (v === "" ? null : Number(v));

  for (const row of table.querySelectorAll("fieldset.progress-form")) {
    row.querySelector("button.send-progress").addEventListener("click", async () => {
      const outcome = row.querySelector(".outcome");
      const field = name => row.querySelector(`[name="${name}"]`).value;
      const item = {project: row.dataset.project, province: row.dataset.province,
                    physical_progress_pct: number(field("physical_progress_pct")),
                    disbursed_thb: number(field("disbursed_thb")),
                    procurement_stage: field("procurement_stage"), as_of: field("as_of"),
                    problems: field("problems") || null, solutions: field("solutions") || null};
      outcome.textContent = "…";
      const answer = await fetch(`/project-report/send?plan=${encodeURIComponent(plan)}`, {
        method: "POST", credentials: "same-origin", body: JSON.stringify([item]),
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken()}});
      const body = await answer.json();
      if (answer.status !== 202) {
        const problems = (body.error.problems || []).map(p => p.message).join("; ");
        outcome.textContent = problems || body.error.message;
        outcome.dataset.status = "rejected";
        return;
      }
      if (!body.sent) { outcome.textContent = words.sent_none; outcome.dataset.status = "in_force"; }
      follow(body.event_ids[0], outcome);
    });
  }

  async function follow(id, outcome) {
    const answer = await (await fetch(
      `/report/status?plan=${encodeURIComponent(plan)}&event_id=${encodeURIComponent(id)}`,
      {credentials: "same-origin"})).json();
    const s = answer.statuses[id];
    outcome.textContent = words[s.status] + (s.reason ? `: ${s.reason}` : "");
    outcome.dataset.status = s.status;
    if (s.status === "pending") setTimeout(() => follow(id, outcome), 1000);
  }
})();
