// A custom property renderer: the progress "figure" of the chart examples is {value, max, label}; this draws it as
// one horizontal bar. Load it after the client script.
//
// For assistive technology the component is a progressbar: the page gives it its name (aria-label), the renderer its
// value (aria-valuenow, aria-valuemax, and the label as aria-valuetext). The drawn label is decoration (aria-hidden),
// drawn twice: dark on the light track, white inside the indigo fill (which clips it), so the text keeps its contrast
// wherever the fill's edge crosses it.
window.BackgroundCallbacks.registerRenderer("figure", {
  render(element, figure) {
    let chart = element.querySelector(".bar-chart");
    if (!chart) {
      chart = document.createElement("div");
      chart.className = "bar-chart";
      chart.innerHTML =
        '<div class="track" aria-hidden="true"><div class="fill"><div class="fill-label"></div></div><div class="label"></div></div>' +
        '<div class="axis" aria-hidden="true"><span>0</span><span class="max"></span></div>';
      element.replaceChildren(chart);
    }
    const value = figure && Number(figure.value) || 0;
    const max = figure && Number(figure.max) || 1;
    const percent = Math.max(0, Math.min(100, (value / max) * 100));
    const label = figure && figure.label ? String(figure.label) : "";
    chart.style.setProperty("--percent", percent + "%");
    chart.querySelector(".fill").style.width = percent + "%";
    chart.querySelector(".label").textContent = label;
    chart.querySelector(".fill-label").textContent = label;
    chart.querySelector(".max").textContent = String(max);

    element.setAttribute("role", "progressbar");
    if (!element.hasAttribute("aria-label") && !element.hasAttribute("aria-labelledby")) {
      element.setAttribute("aria-label", "Progress");
    }
    element.setAttribute("aria-valuemin", "0");
    element.setAttribute("aria-valuemax", String(max));
    element.setAttribute("aria-valuenow", String(value));
    if (label) {
      element.setAttribute("aria-valuetext", label);
    } else {
      element.removeAttribute("aria-valuetext");
    }
    element.setAttribute("data-value", String(value));
    element.dataset.figure = JSON.stringify(figure);
  },
  read(element) {
    return element.dataset.figure ? JSON.parse(element.dataset.figure) : null;
  },
});
