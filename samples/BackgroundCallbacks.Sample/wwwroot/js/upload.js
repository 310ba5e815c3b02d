// The upload page's rule for its button: Process needs a stored file. The callback's Running value disables the
// button while a job runs; this keeps it disabled while there is no file or one is still uploading.
(function () {
  "use strict";

  const input = document.getElementById("csv-file");
  const process = document.getElementById("process");
  const chosen = document.getElementById("csv-chosen");

  function isFileInput(event) {
    return event.detail && event.detail.id === input.id;
  }

  function size(bytes) {
    return bytes < 1024 ? bytes + " B" : bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  document.addEventListener("backgroundcallbacks:upload", (event) => {
    if (isFileInput(event)) {
      process.disabled = true;
      chosen.textContent = "Uploading " + event.detail.files.map((f) => f.name).join(", ") + "…";
    }
  });

  document.addEventListener("backgroundcallbacks:uploaded", (event) => {
    if (isFileInput(event)) {
      process.disabled = false;
      chosen.textContent = event.detail.files.map((f) => f.name + " · " + size(f.length)).join(", ");
    }
  });

  // A refused upload clears the choice; the client shows why in the callback's error place.
  document.addEventListener("backgroundcallbacks:error", () => {
    if (BackgroundCallbacks.getProp(input.id, "files") === null) {
      process.disabled = true;
      chosen.textContent = "No file chosen";
    }
  });
})();
