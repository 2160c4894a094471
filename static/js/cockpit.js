// The clerk's cockpit: keyboard shortcuts for the common actions, and the main region kept current from the
// live stream (static/js/live.js announces each new snapshot as "dais:live"). Without script every action is
// a plain form and the page reloads after it.
(function () {
  "use strict";

  var root = document.querySelector("[data-cockpit-part]");
  if (!root) { return; }

  function typing() {
    var el = document.activeElement;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing()) { return; }
    var button = document.querySelector('#cockpit-main [data-shortcut="' + event.key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  // A form being filled in is never replaced under the clerk's hands: the refresh waits until they leave it.
  var pending = false, loading = false;
  function dirty() {
    var main = document.getElementById("cockpit-main");
    return typing() && main && main.contains(document.activeElement);
  }
  function refresh() {
    if (loading) { pending = true; return; }
    if (dirty()) { pending = true; return; }
    loading = true;
    pending = false;
    fetch(root.getAttribute("data-cockpit-part"), { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        loading = false;
        if (html === null || dirty()) { pending = true; return; }
        var focused = document.activeElement && document.activeElement.closest("form");
        var focusKey = focused ? focused.getAttribute("action") + "|" + (document.activeElement.textContent || "") : null;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#cockpit-main");
        var main = document.getElementById("cockpit-main");
        if (!fresh || !main) { return; }
        // Keep open what the clerk opened.
        var open = Array.prototype.map.call(main.querySelectorAll("details[open] > summary"), function (s) { return s.textContent; });
        main.replaceWith(fresh);
        fresh.querySelectorAll("details > summary").forEach(function (s) {
          if (open.indexOf(s.textContent) !== -1) { s.parentElement.open = true; }
        });
        if (focusKey) {
          var again = Array.prototype.filter.call(fresh.querySelectorAll("form button"), function (b) {
            return b.form.getAttribute("action") + "|" + b.textContent === focusKey;
          })[0];
          if (again) { again.focus(); }
        }
        var status = document.querySelector("[data-cockpit-status]");
        if (status) { status.textContent = status.getAttribute("data-updated") || ""; }
        if (pending) { refresh(); }
      })
      .catch(function () { loading = false; pending = true; });
  }

  document.addEventListener("dais:live", refresh);
  document.addEventListener("focusout", function () { if (pending) { setTimeout(refresh, 50); } });
})();
