// Live screens. A [data-live-events] element names the meeting's Server-Sent Events stream and its JSON snapshot;
// each new snapshot is announced as a document event "dais:live" (detail: the snapshot), which every live part of
// the page listens to. Without EventSource, or when the stream keeps failing, the snapshot is polled instead
// (a 304 while nothing changed). A [data-live-view] element is rendered from the snapshot here.
(function () {
  "use strict";

  var root = document.querySelector("[data-live-events]");
  if (!root) { return; }
  var last = root.getAttribute("data-live-version") || null;
  var lastHeard = Date.now();
  var labels = {};
  try { labels = JSON.parse(root.getAttribute("data-live-labels") || "{}"); } catch (e) { labels = {}; }

  function deliver(snapshot) {
    lastHeard = Date.now();
    if (!snapshot || snapshot.v === last) { return; }
    last = snapshot.v;
    document.dispatchEvent(new CustomEvent("dais:live", { detail: snapshot }));
  }

  var etag = null;
  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(root.getAttribute("data-live-json"), { headers: headers, cache: "no-cache" })
      .then(function (r) {
        lastHeard = Date.now();
        if (r.status !== 200) { return null; }
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(deliver)
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function connect() {
    if (!window.EventSource) { setInterval(poll, 2000); return; }
    var source = new EventSource(root.getAttribute("data-live-events"));
    source.onmessage = function (event) {
      try { deliver(JSON.parse(event.data)); } catch (e) { /* a torn message: the next one is whole */ }
    };
    source.onopen = function () { lastHeard = Date.now(); };
    // The stream sends a keep-alive at least every 15 s; silence for longer means a proxy is holding events back.
    setInterval(function () { if (Date.now() - lastHeard > 20000) { poll(); } }, 5000);
  }

  // --- the countdown of the speaker at the podium ---------------------------------------------------------
  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return sign + (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }
  var speaker = null;
  function remaining() {
    if (!speaker) { return null; }
    if (speaker.timer === "running" && speaker.started_at) {
      var elapsed = speaker.elapsed_before + Math.max(0, Math.floor(Date.now() / 1000 - speaker.started_at));
      return speaker.allotted - elapsed;
    }
    return speaker.remaining;
  }
  function tick() {
    document.querySelectorAll("[data-live-clock]").forEach(function (clock) {
      var value = remaining();
      clock.textContent = value === null ? "" : format(value);
      clock.classList.toggle("over", value !== null && value <= 0);
      clock.classList.toggle("warning", value !== null && value > 0 && value <= 30);
    });
  }

  // --- rendering a [data-live-view] ---------------------------------------------------------------------------
  function words(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function set(name, text) {
    document.querySelectorAll('[data-live-field="' + name + '"]').forEach(function (el) { el.textContent = text; });
  }
  function show(name, visible) {
    document.querySelectorAll('[data-live-part="' + name + '"]').forEach(function (el) { el.hidden = !visible; });
  }
  function voteState(vote) {
    if (!vote.open) { return (labels.result || {})[vote.result] || ""; }
    if (vote.decided === true) { return labels.will_pass; }
    if (vote.decided === false) { return labels.cannot_pass; }
    return words(labels.pending, { num: vote.more_yes });
  }
  function render(snapshot) {
    speaker = snapshot.speaker;
    set("status", (labels.status || {})[snapshot.meeting.status] || "");
    set("item", snapshot.item ? (snapshot.item.label + " " + snapshot.item.title) : labels.no_item);
    set("speaker", speaker ? speaker.name : labels.idle);
    set("group", speaker && speaker.group ? speaker.group : "");
    set("stance", speaker ? ((labels.stance || {})[speaker.stance] || "") : "");
    set("timer", speaker && speaker.timer === "paused" ? labels.paused : "");
    var queue = snapshot.queue;
    show("queue", !!queue);
    if (queue) {
      set("waiting", words(labels.waiting, { num: queue.waiting }));
      document.querySelectorAll('[data-live-list="on_deck"]').forEach(function (list) {
        list.textContent = "";
        queue.on_deck.forEach(function (entry) {
          var li = document.createElement("li");
          li.textContent = entry.position + ". " + entry.name;
          list.appendChild(li);
        });
      });
    }
    var vote = snapshot.vote;
    // The chamber display shows a vote while it is open, or when no one is speaking.
    show("vote", !!vote && (!root.hasAttribute("data-live-vote-open-only") || vote.open || !speaker));
    if (vote) {
      set("vote_text", vote.text);
      set("vote_heading", vote.open ? labels.open : ((labels.result || {})[vote.result] || ""));
      set("vote_counts", words(labels.counts, vote) + (vote.open ? " · " + words(labels.remaining, { num: vote.remaining }) : ""));
      set("vote_state", voteState(vote));
      document.querySelectorAll('[data-live-list="roll"]').forEach(function (body) {
        body.textContent = "";
        vote.roll.forEach(function (entry) {
          var tr = document.createElement("tr");
          var name = document.createElement("th"); name.scope = "row"; name.textContent = entry.name;
          var choice = document.createElement("td");
          choice.textContent = (labels.choice || {})[entry.choice || ""] || "";
          tr.appendChild(name); tr.appendChild(choice); body.appendChild(tr);
        });
      });
    }
    tick();
  }

  document.addEventListener("dais:live", function (event) {
    if (document.querySelector("[data-live-view]")) { render(event.detail); }
  });

  // --- a staff page's region fetched again on each snapshot (the cockpit, a commissioner's seat) ------------
  // keepCurrent(url, id, afterSwap): on each "dais:live" the element #id is replaced by the one in the HTML at
  // url, never under the user's hands: while they type in it the swap waits until they leave the field. Open
  // <details>, text typed and not sent, and the focused button survive the swap; afterSwap(fresh, hadFocus)
  // may then move the focus itself (return true) or leave it to the default.
  function typingIn(region) {
    var el = document.activeElement;
    return !!el && !!region && region.contains(el) && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function key(field) { return field.form ? field.form.getAttribute("action") + "|" + field.name : null; }
  function keepCurrent(url, id, afterSwap) {
    var pending = false, loading = false;
    function refresh() {
      if (loading || typingIn(document.getElementById(id))) { pending = true; return; }
      loading = true;
      pending = false;
      fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          loading = false;
          var main = document.getElementById(id);
          if (html === null || !main || typingIn(main)) { pending = true; return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#" + id);
          if (!fresh) { return; }
          var hadFocus = main.contains(document.activeElement);
          var form = hadFocus && document.activeElement.closest("form");
          var focusKey = form ? form.getAttribute("action") + "|" + (document.activeElement.textContent || "") : null;
          var open = Array.prototype.map.call(main.querySelectorAll("details[open] > summary"), function (d) { return d.textContent; });
          var typed = {};
          main.querySelectorAll("textarea, input[type=text], input:not([type]), select").forEach(function (field) {
            var option = field.tagName === "SELECT" ? field.options[field.selectedIndex] : null;
            var changed = field.tagName === "SELECT" ? !option || !option.defaultSelected : field.value !== field.defaultValue;
            if (changed && key(field)) { typed[key(field)] = field.value; }
          });
          main.replaceWith(fresh);
          fresh.querySelectorAll("textarea, input[type=text], input:not([type]), select").forEach(function (field) {
            if (key(field) && Object.prototype.hasOwnProperty.call(typed, key(field))) { field.value = typed[key(field)]; }
          });
          fresh.querySelectorAll("details > summary").forEach(function (s) {
            if (open.indexOf(s.textContent) !== -1) { s.parentElement.open = true; }
          });
          var moved = afterSwap ? afterSwap(fresh, hadFocus) : false;
          if (!moved && hadFocus && !fresh.contains(document.activeElement)) {
            var again = Array.prototype.filter.call(fresh.querySelectorAll("form button"), function (b) {
              return b.form.getAttribute("action") + "|" + b.textContent === focusKey;
            })[0];
            if (again) { again.focus(); } else { fresh.setAttribute("tabindex", "-1"); fresh.focus(); }
          }
          if (pending) { refresh(); }
        })
        .catch(function () { loading = false; pending = true; });
    }
    document.addEventListener("dais:live", refresh);
    document.addEventListener("focusout", function () { if (pending) { setTimeout(refresh, 50); } });
    return refresh;
  }
  window.DaisLive = { keepCurrent: keepCurrent };
  document.addEventListener("DOMContentLoaded", function () {
    var initial = root.getAttribute("data-live-snapshot");
    if (initial) { try { speaker = JSON.parse(initial).speaker; } catch (e) { speaker = null; } }
    setInterval(tick, 250);
    connect();
  });
})();
