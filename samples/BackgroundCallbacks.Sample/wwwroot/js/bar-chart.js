// A custom property renderer: the progress "figure" of the chart examples is {value, max, label}; this draws it as
// one horizontal bar. Load it after the client script.
window.BackgroundCallbacks.registerRenderer("figure", {
  render(element, figure) {
    let chart = element.querySelector(".bar-chart");
    if (!chart) {
      chart = document.createElement("div");
      chart.className = "bar-chart";
      chart.innerHTML = '<div class="track"><div class="fill"></div><div class="label"></div></div><div class="axis"><span>0</span><span class="max"></span></div>';
      element.replaceChildren(chart);
    }
    const value = figure && Number(figure.value) || 0;
    const max = figure && Number(figure.max) || 1;
    const percent = Math.max(0, Math.min(100, (value / max) * 100));
    chart.querySelector(".fill").style.width = percent + "%";
    chart.querySelector(".label").textContent = figure && figure.label ? String(figure.label) : "";
    chart.querySelector(".max").textContent = String(max);
    element.setAttribute("data-value", String(value));
    element.dataset.figure = JSON.stringify(figure);
  },
  read(element) {
    return element.dataset.figure ? JSON.parse(element.dataset.figure) : null;
  },
});
