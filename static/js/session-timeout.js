// Warns before the idle sign-out and offers "Stay signed in". The server decides: this only
// asks it how long is left (asking is not activity) and posts the keep-alive.
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  if (!box) return;
  var statusUrl = box.dataset.statusUrl;
  var loginUrl = box.dataset.loginUrl;
  var warning = parseInt(box.dataset.warningSeconds, 10) || 120;
  var countdown = box.querySelector("[data-session-countdown]");
  var form = box.querySelector("form");
  var timer = null;
  var deadline = 0;

  function schedule(seconds) {
    clearTimeout(timer);
    deadline = Date.now() + seconds * 1000;
    if (seconds > warning) {
      box.classList.add("d-none");
      timer = setTimeout(check, (seconds - warning) * 1000);
    } else {
      box.classList.remove("d-none");
      tick();
    }
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    countdown.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (left <= 0) {
      check();
    } else {
      timer = setTimeout(tick, 1000);
    }
  }

  function answer(response) {
    return response.json().then(function (data) {
      if (!data.signed_in) {
        window.location.href = loginUrl + "?next=" + encodeURIComponent(window.location.pathname);
        return;
      }
      schedule(data.seconds_left);
    });
  }

  function check() {
    fetch(statusUrl, { credentials: "same-origin" }).then(answer).catch(function () {
      timer = setTimeout(check, 10000);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
    }).then(answer);
  });

  check();
})();
