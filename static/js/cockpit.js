// The clerk's cockpit: keyboard shortcuts for the common actions, and the main region kept current from the
// live stream (static/js/live.js, loaded first, announces each snapshot and keeps the region current). Without
// script every action is a plain form and the page reloads after it.
(function () {
  "use strict";

  var root = document.querySelector("[data-cockpit-part]");
  if (!root || !window.DaisLive) { return; }

  document.addEventListener("keydown", function (event) {
    var el = document.activeElement;
    var typing = el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (event.ctrlKey || event.metaKey || event.altKey || typing) { return; }
    var button = document.querySelector('#cockpit-main [data-shortcut="' + event.key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  window.DaisLive.keepCurrent(root.getAttribute("data-cockpit-part"), "cockpit-main", function () {
    var status = document.querySelector("[data-cockpit-status]");
    if (status) { status.textContent = status.getAttribute("data-updated") || ""; }
    return false;
  });
})();
