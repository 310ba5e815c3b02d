// Adds rows to the pattern-matching page after it has loaded: the client notices the new components by itself.
document.getElementById("add-row").addEventListener("click", () => {
  const rows = document.getElementById("rows");
  const index = rows.children.length + 1;
  const id = (type) => JSON.stringify({ type, index });

  const row = document.createElement("div");
  row.className = "row";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = "Row " + index;
  const size = document.createElement("input");
  size.type = "number";
  size.min = "0";
  size.value = String(index * 10);
  size.setAttribute("aria-label", "Size of row " + index);
  size.setAttribute("data-bc-id", id("row-size"));
  const run = document.createElement("button");
  run.type = "button";
  run.textContent = "Run";
  run.setAttribute("data-bc-id", id("row-run"));
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "secondary";
  cancel.disabled = true;
  cancel.textContent = "Cancel";
  cancel.setAttribute("data-bc-id", id("row-cancel"));
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  progress.hidden = true;
  progress.setAttribute("aria-label", "Progress of row " + index);
  progress.setAttribute("data-bc-id", id("row-progress"));
  const result = document.createElement("span");
  result.className = "result";
  result.setAttribute("data-bc-id", id("row-result"));
  const state = document.createElement("span");
  state.className = "result state";
  state.hidden = true;
  state.textContent = "Running…";
  state.setAttribute("data-bc-id", id("row-state"));

  row.append(name, size, run, cancel, progress, result, state);
  rows.appendChild(row);
});
