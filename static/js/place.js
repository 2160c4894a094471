// The resident's private page: keep "Your place in the queue" current from place.json (the words come from the
// server, in the page's language). It refetches on each "dais:live" event the page receives (the meeting's live
// updates); when none has come for 15 s, it polls every 10 s. When the resident becomes next, the alert
// (role="alert") says so and the tab's title changes. Without JavaScript the page shows the place as of its load,
// with a Refresh link.
(function () {
  "use strict";
  var section = document.getElementById("place");
  if (!section) return;
  var url = section.getAttribute("data-place-url");
  var nextTitle = section.getAttribute("data-next-title");
  var baseTitle = document.title;
  var FINAL = ["spoke", "no_show", "withdrawn", "ceded"];
  var POLL_MS = 10000;
  var QUIET_MS = 15000;
  var lastLive = 0;
  var inFlight = false;
  var again = false;
  var stopped = false;

  function field(name) {
    return document.querySelector('[data-field="' + name + '"]');
  }

  function show(name, text) {
    var el = field(name);
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function render(state) {
    var alert = field("alert");
    if (alert.textContent !== (state.alert || "")) alert.textContent = state.alert || "";
    show("place", state.place === null ? "" : String(state.place));
    show("summary", state.summary);
    show("current", state.current);
    show("note", state.note);
    field("as-of").textContent = state.as_of || "";
    var status = document.querySelector("#request-status strong");
    if (status) status.textContent = state.status_label;
    document.title = state.is_next ? nextTitle + " · " + baseTitle : baseTitle;
    if (FINAL.indexOf(state.status) !== -1) stopped = true;
  }

  function refresh() {
    if (stopped) return;
    if (inFlight) {
      again = true; // a live update came while a fetch ran: fetch once more after it
      return;
    }
    inFlight = true;
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) stopped = true; // a new private link was issued: this one no longer works
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state) render(state);
      })
      .catch(function () { /* keep the last place shown; try again at the next update or poll */ })
      .then(function () {
        inFlight = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  document.addEventListener("dais:live", function () {
    lastLive = Date.now();
    refresh();
  });
  window.setInterval(function () {
    if (Date.now() - lastLive >= QUIET_MS) refresh();
  }, POLL_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
})();
