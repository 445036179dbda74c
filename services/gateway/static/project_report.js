// Project progress by form: each row is sent as one project report (POST /project-report/send,
// the same path as POST /api/plans/{id}/project-reports, on the login cookie), then followed
// to accepted or rejected. Same-origin requests only.
(function () {
  const table = document.getElementById("progress-forms");
  if (!table) return;
  const plan = table.dataset.plan;
  const words = JSON.parse(document.getElementById("status-words").textContent);
  const number = v => (v === "" ? null : Number(v));

  // Problems: a block per problem (cause, severity, status, owner agency, description and its
  // remedies), sent as problem_items with the row's report. Nothing typed is dropped: only a
  // remedy line left wholly empty is left out; the API says what is wrong with the rest.
  const clone = id => document.getElementById(id).content.firstElementChild.cloneNode(true);
  table.addEventListener("click", event => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("add-problem")) {
      const block = clone("problem-template");
      const owner = button.closest(".problem-items").dataset.owner;
      if (owner) block.querySelector('[name="owner_agency"]').value = owner;
      button.before(block);
      block.querySelector('[name="description"]').focus();
    } else if (button.classList.contains("add-remedy")) {
      button.closest(".problem-item").querySelector(".remedies").append(clone("remedy-template"));
    } else if (button.classList.contains("remove-remedy")) {
      button.closest(".remedy").remove();
    } else if (button.classList.contains("remove-problem")) {
      button.closest(".problem-item").remove();
    }
  });

  function problemItems(row) {
    return [...row.querySelectorAll(".problem-item")].map(block => {
      const value = name => block.querySelector(`[name="${name}"]`).value;
      const remedies = [...block.querySelectorAll(".remedy")].map(line => ({
        action: line.querySelector('[name="action"]').value,
        due: line.querySelector('[name="due"]').value,
        done: line.querySelector('[name="done"]').checked}))
        .filter(r => r.action.trim() || r.due || r.done);
      const item = {cause: value("cause"), severity: value("severity"), status: value("status"),
                    owner_agency: value("owner_agency"), description: value("description"),
                    remedies};
      if (block.dataset.problemId) item.problem_id = block.dataset.problemId;
      return item;
    });
  }

  for (const row of table.querySelectorAll("fieldset.progress-form")) {
    row.querySelector("button.send-progress").addEventListener("click", async () => {
      const outcome = row.querySelector(".outcome");
      const field = name => row.querySelector(`[name="${name}"]`).value;
      const item = {project: row.dataset.project, province: row.dataset.province,
                    physical_progress_pct: number(field("physical_progress_pct")),
                    disbursed_thb: number(field("disbursed_thb")),
                    procurement_stage: field("procurement_stage"), as_of: field("as_of"),
                    problems: field("problems") || null, solutions: field("solutions") || null};
      // marked internal: not to be published outside the government; unmarked: left out (false)
      if (row.querySelector('[name="internal"]').checked) item.internal = true;
      const items = problemItems(row);
      if (items.length) item.problem_items = items;  // none: the report carries none
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
