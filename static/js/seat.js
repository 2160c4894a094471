// A commissioner's seat: the main region kept current from the live stream (static/js/live.js announces each
// new snapshot as "dais:live"), as the clerk's cockpit does. When a roll call opens, the page title says so and
// the focus moves once to the vote's heading, unless the member is typing: then the title and a status message
// tell them, and the region waits until they leave the field. Without script every action is a plain form.
(function () {
  "use strict";

  var root = document.querySelector("[data-seat-part]");
  if (!root) { return; }
  var baseTitle = root.getAttribute("data-seat-title") || document.title;
  var main0 = document.getElementById("seat-main");
  // The vote open when the page was loaded was seen with it: only a vote that opens later moves the focus.
  var announced = main0 ? main0.getAttribute("data-vote-open") || "" : "";

  function typing() {
    var el = document.activeElement;
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function words(template, text) {
    return String(template || "").replace("%(text)s", text);
  }
  function short(text) {
    text = String(text || "");
    return text.length > 60 ? text.slice(0, 57) + "..." : text;
  }
  function setTitle(voteId, text) {
    document.title = voteId ? words(root.getAttribute("data-seat-vote-title"), short(text)) + " · " + baseTitle : baseTitle;
  }
  function status(message) {
    var region = document.querySelector("[data-seat-status]");
    if (region) { region.textContent = message || ""; }
  }

  var pending = false, loading = false;
  function dirty() {
    var main = document.getElementById("seat-main");
    return typing() && main && main.contains(document.activeElement);
  }
  function refresh() {
    if (loading || dirty()) { pending = true; return; }
    loading = true;
    pending = false;
    fetch(root.getAttribute("data-seat-part"), { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        loading = false;
        if (html === null || dirty()) { pending = true; return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#seat-main");
        var main = document.getElementById("seat-main");
        if (!fresh || !main) { return; }
        var hadFocus = main.contains(document.activeElement);
        var form = hadFocus && document.activeElement.closest("form");
        var focusKey = form ? form.getAttribute("action") + "|" + (document.activeElement.textContent || "") : null;
        var open = Array.prototype.map.call(main.querySelectorAll("details[open]"), function (d) { return d.id || ""; });
        // What the member typed and has not sent yet stays in the fields.
        var typed = {};
        main.querySelectorAll("textarea, input[type=text], select").forEach(function (field) {
          var changed = field.tagName === "SELECT" ? !field.options[field.selectedIndex] || !field.options[field.selectedIndex].defaultSelected
            : field.value !== field.defaultValue;
          if (changed && field.form) { typed[field.form.getAttribute("action") + "|" + field.name] = field.value; }
        });
        main.replaceWith(fresh);
        fresh.querySelectorAll("textarea, input[type=text], select").forEach(function (field) {
          var key = field.form ? field.form.getAttribute("action") + "|" + field.name : null;
          if (key && Object.prototype.hasOwnProperty.call(typed, key)) { field.value = typed[key]; }
        });
        fresh.querySelectorAll("details[id]").forEach(function (d) {
          if (open.indexOf(d.id) !== -1) { d.open = true; }
        });
        var voteId = fresh.getAttribute("data-vote-open") || "";
        setTitle(voteId, fresh.getAttribute("data-vote-text"));
        var heading = document.getElementById("seat-vote-title");
        if (voteId && voteId !== announced && heading && !typing()) {
          announced = voteId;
          heading.focus();
        } else {
          if (hadFocus && !fresh.contains(document.activeElement)) {
            // Keep the focus where it was: the same button if it is still there, else the region itself.
            var again = Array.prototype.filter.call(fresh.querySelectorAll("form button"), function (b) {
              return b.form.getAttribute("action") + "|" + b.textContent === focusKey;
            })[0];
            if (again) { again.focus(); } else { fresh.setAttribute("tabindex", "-1"); fresh.focus(); }
          }
          var region = document.querySelector("[data-seat-status]");
          if (region) { status(region.getAttribute("data-updated")); }
        }
        if (pending) { refresh(); }
      })
      .catch(function () { loading = false; pending = true; });
  }

  document.addEventListener("dais:live", function (event) {
    var vote = event.detail && event.detail.vote;
    var voteId = vote && vote.open ? String(vote.motion_id) : "";
    setTitle(voteId, vote ? vote.text : "");
    if (voteId && voteId !== announced && typing()) {
      // Not while they type: the title and a status message say it; the vote appears when they leave the field.
      announced = voteId;
      status(words(root.getAttribute("data-seat-vote-announce"), short(vote.text)));
    }
    refresh();
  });
  document.addEventListener("focusout", function () { if (pending) { setTimeout(refresh, 50); } });
})();
