// The clerk's mail page: while a mailing sends, read its counts about once a second and move the progress bar.
(function () {
  "use strict";
  var section = document.getElementById("mail-progress");
  if (!section || section.getAttribute("data-finished") === "true") return;
  var bar = document.getElementById("mail-progress-bar");
  var url = section.getAttribute("data-progress-url");

  function update(counts) {
    bar.max = counts.total;
    bar.value = counts.done;
    bar.textContent = counts.percent + "%";
    Object.keys(counts).forEach(function (name) {
      var cell = section.querySelector('[data-count="' + name + '"]');
      if (cell) cell.textContent = String(counts[name]);
    });
    return counts.finished;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (counts && update(counts)) {
          section.setAttribute("data-finished", "true");
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
