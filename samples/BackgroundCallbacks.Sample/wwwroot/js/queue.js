// "Start all 3" starts the rows' jobs one after the other, each once the previous one is admitted, so they take their
// places in line in row order: one runs, two wait.
const settled = () => new Promise((resolve) => {
  for (const name of ["job", "done", "error"]) {
    document.addEventListener("backgroundcallbacks:" + name, resolve, { once: true });
  }
});

document.getElementById("queue-start-all").addEventListener("click", async () => {
  for (const button of document.querySelectorAll("[data-bc-id*='queue-start']")) {
    if (!button.disabled) {
      const admitted = settled();
      button.click();
      await admitted;
    }
  }
});

// Shows how the client follows the jobs (the shared event stream, long polls or plain polls).
const transport = document.getElementById("queue-transport");
const showTransport = () => { transport.textContent = document.documentElement.getAttribute("data-bc-transport") || "…"; };
new MutationObserver(showTransport).observe(document.documentElement, { attributes: true, attributeFilter: ["data-bc-transport"] });
showTransport();
