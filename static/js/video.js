/* The meeting video page (issue 21): the player is created only when the resident presses Play, so nothing is
   requested from another host before that. Chapter links on the same part seek (or set the start) instead of
   reloading; without this script they open the page at that second, and the plain link to the host always works. */
(function () {
  "use strict";
  var box = document.getElementById("video-player");
  if (!box) { return; }
  var kind = box.dataset.kind;
  var src = box.dataset.src;
  var start = parseInt(box.dataset.start || "0", 10) || 0;
  var play = document.getElementById("video-play");
  var frame = document.getElementById("video-frame");
  var status = document.getElementById("video-status");
  var direct = document.getElementById("video-direct");
  var media = null;
  var iframe = null;

  function clock(second) {
    var h = Math.floor(second / 3600), m = Math.floor((second % 3600) / 60), s = second % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }
  function say(template, second) { return template.replace("%(time)s", clock(second)); }

  function setStart(second) {
    start = second;
    direct.href = box.dataset.direct.replace("{t}", String(second));
    direct.textContent = say(box.dataset.directLabel, second);
    if (play) { play.textContent = say(box.dataset.playLabel, second); }
  }

  function create() {
    frame.textContent = "";
    if (kind === "iframe") {
      iframe = document.createElement("iframe");
      iframe.src = src.replace("{t}", String(start));
      iframe.title = box.dataset.title;
      iframe.setAttribute("allow", "autoplay; fullscreen; picture-in-picture");
      iframe.setAttribute("allowfullscreen", "");
      frame.appendChild(iframe);
      return iframe;
    }
    var video = document.createElement("video");
    if (kind === "hls" && !video.canPlayType("application/vnd.apple.mpegurl")) {
      status.textContent = box.dataset.noHls;
      var note = document.createElement("p");
      note.textContent = box.dataset.noHls;
      frame.appendChild(note);
      return null;
    }
    video.controls = true;
    video.preload = "metadata";
    video.setAttribute("aria-label", box.dataset.title);
    video.src = src + "#t=" + start;
    var track = document.createElement("track");
    track.kind = "chapters";
    track.src = box.dataset.chapters;
    track.default = true;
    video.appendChild(track);
    frame.appendChild(video);
    media = video;
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function () { /* the resident presses the player's own play */ }); }
    return video;
  }

  function seek(second) {
    setStart(second);
    if (media) {
      media.currentTime = second;
      var playing = media.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
    } else if (iframe) {
      iframe.src = src.replace("{t}", String(second));
    }
    status.textContent = say(media || iframe ? box.dataset.seekLabel : box.dataset.setLabel, second);
  }

  if (play) {
    var row = document.getElementById("video-play-row");
    row.hidden = false;
    play.addEventListener("click", function () {
      var player = create();
      row.hidden = true;
      if (player) { player.setAttribute("tabindex", "-1"); player.focus(); }
      else { direct.focus(); }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("a[data-seek]"), function (link) {
    link.addEventListener("click", function (event) {
      if (link.dataset.part !== box.dataset.part || kind === "link") { return; }
      event.preventDefault();
      seek(parseInt(link.dataset.second, 10) || 0);
      if (!media && !iframe && play) { play.focus(); }
    });
  });
}());
