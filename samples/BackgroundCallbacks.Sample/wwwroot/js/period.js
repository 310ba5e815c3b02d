// A custom property: the report page's period is one component whose "data" is {from, to}, read from its two date
// fields when the callback runs. Load it after the client script.
window.BackgroundCallbacks.registerRenderer("data", {
  render(element, period) {
    if (!period) return;
    element.querySelector("input[name=from]").value = period.from || "";
    element.querySelector("input[name=to]").value = period.to || "";
  },
  read(element) {
    return {
      from: element.querySelector("input[name=from]").value,
      to: element.querySelector("input[name=to]").value,
    };
  },
});
