// A commissioner's seat: the main region kept current from the live stream (static/js/live.js, loaded first,
// announces each snapshot and keeps the region current), as the clerk's cockpit does. When a roll call opens, the
// page title says so and the focus moves once to the vote's heading, unless the member is typing: then the title
// and a status message tell them, and the region waits until they leave the field. Without script every action is
// a plain form.
(function () {
  "use strict";

  var root = document.querySelector("[data-seat-part]");
  if (!root || !window.DaisLive) { return; }
  var baseTitle = root.getAttribute("data-seat-title") || document.title;
  var main0 = document.getElementById("seat-main");
  // The vote open when the page was loaded was seen with it: only a vote that opens later moves the focus.
  var announced = main0 ? main0.getAttribute("data-vote-open") || "" : "";

  function typing() {
    var el = document.activeElement;
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function short(text) {
    text = String(text || "");
    return text.length > 60 ? text.slice(0, 57) + "..." : text;
  }
  function setTitle(voteId, text) {
    var template = root.getAttribute("data-seat-vote-title") || "";
    document.title = voteId ? template.replace("%(text)s", short(text)) + " · " + baseTitle : baseTitle;
  }
  function status(message) {
    var region = document.querySelector("[data-seat-status]");
    if (region) { region.textContent = message || ""; }
  }

  window.DaisLive.keepCurrent(root.getAttribute("data-seat-part"), "seat-main", function (fresh) {
    var voteId = fresh.getAttribute("data-vote-open") || "";
    setTitle(voteId, fresh.getAttribute("data-vote-text"));
    var heading = document.getElementById("seat-vote-title");
    if (voteId && voteId !== announced && heading && !typing()) {
      announced = voteId;
      heading.focus();
      return true;
    }
    var region = document.querySelector("[data-seat-status]");
    if (region) { status(region.getAttribute("data-updated")); }
    return false;
  });

  document.addEventListener("dais:live", function (event) {
    var vote = event.detail && event.detail.vote;
    var voteId = vote && vote.open ? String(vote.motion_id) : "";
    setTitle(voteId, vote ? vote.text : "");
    if (voteId && voteId !== announced && typing()) {
      // Not while they type: the title and a status message say it; the vote appears when they leave the field.
      announced = voteId;
      status((root.getAttribute("data-seat-vote-announce") || "").replace("%(text)s", short(vote.text)));
    }
  });
})();
