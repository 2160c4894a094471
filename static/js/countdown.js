// Countdown clocks: [data-countdown] elements count down from data-remaining (seconds) while
// data-running is "true" (the clerk's queue page; live screens count down in static/js/live.js).
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(setup);
    setInterval(tick, 250);
  });
})();
