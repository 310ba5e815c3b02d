// "Start all 3" clicks each row's Start button in turn: three jobs, one runs, two wait in line.
document.getElementById("queue-start-all").addEventListener("click", () => {
  for (const button of document.querySelectorAll("[data-bc-id*='queue-start']")) {
    button.click();
  }
});

// Shows how the client follows the jobs (the shared event stream, long polls or plain polls).
const transport = document.getElementById("queue-transport");
const showTransport = () => { transport.textContent = document.documentElement.getAttribute("data-bc-transport") || "…"; };
new MutationObserver(showTransport).observe(document.documentElement, { attributes: true, attributeFilter: ["data-bc-transport"] });
showTransport();
