// The meeting page's agenda packet: while it builds, read its progress about once a second and move the bar;
// when the build ends, load the page again for the link or the message.
(function () {
  "use strict";
  var section = document.getElementById("packet");
  if (!section || section.getAttribute("data-finished") === "true") return;
  var bar = document.getElementById("packet-progress-bar");
  var text = document.getElementById("packet-progress-text");
  var url = section.getAttribute("data-progress-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) { window.setTimeout(poll, 5000); return; }
        if (progress.finished) {
          section.setAttribute("data-finished", "true");
          window.location.reload();
          return;
        }
        bar.max = Math.max(progress.total, 1);
        bar.value = progress.done;
        bar.textContent = progress.percent + "%";
        if (text && progress.text) text.textContent = progress.text;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
