// The report page's evidence: upload a file (checked by the server: kind by content, 10 MB at
// most) and/or give a reference; the text to put in the evidence column of the CSV or workbook
// is built here - items separated by "; ", a file by the evidence id the upload answered.
(function () {
  const form = document.getElementById("evidence-form");
  if (!form) return;
  const plan = form.dataset.plan;
  const file = document.getElementById("evidence-file");
  const reference = document.getElementById("evidence-reference");
  const summary = document.getElementById("evidence-summary");
  const cell = document.getElementById("evidence-cell");
  const items = [];

  function add(text) {
    if (text && items.length < 10) items.push(text.replaceAll(";", ","));
    cell.value = items.join("; ");
  }

  document.getElementById("evidence-button").addEventListener("click", async () => {
    add(reference.value.trim());
    reference.value = "";
    if (!file.files.length) return;
    const chosen = file.files[0];
    const url = `/report/evidence?plan=${encodeURIComponent(plan)}&filename=${encodeURIComponent(chosen.name)}`;
    const answer = await fetch(url, {method: "POST", body: chosen, credentials: "same-origin",
                                     headers: {"Content-Type": "application/octet-stream",
                                               "X-CSRF-Token": csrfToken()}});
    const body = await answer.json();
    if (answer.status !== 201) { summary.textContent = body.error.message; return; }
    summary.textContent = `${body.filename} (${body.size.toLocaleString()} B, sha256 ${body.sha256.slice(0, 12)}…): ${body.evidence_id}`;
    file.value = "";
    add(body.evidence_id);
  });
})();
