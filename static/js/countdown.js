// Countdown clocks: [data-countdown] elements count down from data-remaining (seconds) while
// data-running is "true". A [data-poll] container refreshes its fields from a JSON URL (chamber display).
(function () {
  "use strict";

  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return sign + (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  var clocks = [];

  function setup(el) {
    var remaining = parseInt(el.getAttribute("data-remaining"), 10);
    var clock = { el: el, deadline: null, remaining: isNaN(remaining) ? null : remaining };
    update(clock, el.getAttribute("data-running") === "true");
    clocks.push(clock);
    return clock;
  }

  function update(clock, running) {
    clock.deadline = running && clock.remaining !== null ? Date.now() + clock.remaining * 1000 : null;
    render(clock);
  }

  function render(clock) {
    var value = clock.remaining;
    if (clock.deadline !== null) {
      value = Math.ceil((clock.deadline - Date.now()) / 1000);
    }
    clock.el.textContent = value === null ? "" : format(value);
    clock.el.classList.toggle("over", value !== null && value <= 0);
    clock.el.classList.toggle("warning", value !== null && value > 0 && value <= 30);
  }

  function tick() { clocks.forEach(render); }

  function poll(container, clock) {
    var url = container.getAttribute("data-poll");
    function field(name) { return container.querySelector('[data-field="' + name + '"]'); }
    function refresh() {
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) {
          if (!state) { return; }
          var stateEl = field("state");
          if (!state.speaker) {
            field("name").textContent = stateEl.getAttribute("data-idle");
            field("group").textContent = "";
            field("item").textContent = "";
            clock.remaining = null;
            stateEl.textContent = "";
            update(clock, false);
            return;
          }
          field("name").textContent = state.speaker.name;
          field("group").textContent = state.speaker.group || "";
          field("item").textContent = state.item || "";
          clock.remaining = state.remaining_seconds;
          update(clock, state.running);
          stateEl.textContent = state.timer === "paused" ? stateEl.getAttribute("data-paused") : "";
        })
        .catch(function () { /* keep showing the last state; try again at the next poll */ });
    }
    setInterval(refresh, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(setup);
    var container = document.querySelector("[data-poll]");
    if (container) {
      var el = container.querySelector("[data-countdown]");
      var clock = clocks.filter(function (c) { return c.el === el; })[0];
      poll(container, clock);
    }
    setInterval(tick, 250);
  });
})();
