/* Quick exit, on every page (in the style of GOV.UK's "Exit this page").
   The button, or Shift pressed 3 times within 5 seconds:
   - asks the server to erase the conversation (a beacon: it does not delay leaving),
   - forgets the conversation in this tab (sessionStorage) and clears the screen,
   - replaces this page with a neutral one, so Back does not come back here.
   It also keeps the whole visit to one history entry: links between our pages replace the
   current entry instead of adding one, so after an exit Back leaves the site altogether. */
(function () {
  "use strict";

  var STORAGE_KEY = "chat-id";
  var PRESSES = 3;
  var WINDOW_MS = 5000;
  var leaving = false;

  function exitButton() {
    return document.querySelector(".quick-exit");
  }

  function exitUrl() {
    var button = exitButton();
    return (button && button.getAttribute("data-exit-url")) || "/weather";
  }

  function conversationId() {
    var id = null;
    try {
      id = window.sessionStorage.getItem(STORAGE_KEY);
    } catch (error) { /* storage blocked: nothing kept, nothing to forget */ }
    if (!id) {
      var field = document.querySelector("#chat-form input[name=id]");
      id = field && field.value;
    }
    return id || null;
  }

  function eraseOnServer(id) {
    var url = "/api/conversations/" + encodeURIComponent(id) + "/erase";
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(url)) return;
    } catch (error) { /* fall through */ }
    try {
      window.fetch(url, { method: "POST", keepalive: true, credentials: "omit" });
    } catch (error) { /* leaving matters more */ }
  }

  function quickExit(event) {
    if (event) event.preventDefault();
    if (leaving) return;
    leaving = true;
    var url = exitUrl();
    var id = conversationId();
    if (id) eraseOnServer(id);
    try {
      window.sessionStorage.clear();
    } catch (error) { /* nothing stored */ }
    document.title = "";
    if (document.body) {
      document.body.textContent = "";
      document.body.className = "leaving";
    }
    window.location.replace(url);
  }

  // Shift three times, each on its own (not as part of typing a capital letter): any other
  // key in between starts the count again, as in GOV.UK's component.
  var presses = [];
  var lastKeyHadShift = false;

  function announce(text) {
    var status = document.querySelector(".exit-status");
    if (status) status.textContent = text || "";
  }

  function onKeyUp(event) {
    var isShift = event.key === "Shift" || event.keyCode === 16;
    if (isShift && !lastKeyHadShift) {
      var now = Date.now();
      presses = presses.filter(function (time) { return now - time < WINDOW_MS; });
      presses.push(now);
      var button = exitButton();
      if (presses.length >= PRESSES) {
        presses = [];
        quickExit();
      } else if (button) {
        announce(button.getAttribute(presses.length === 1 ? "data-two-more" : "data-one-more"));
      }
    } else if (!isShift && presses.length) {
      presses = [];
      announce("");
    }
    lastKeyHadShift = !isShift && event.shiftKey;
  }

  // One history entry for the whole visit.
  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.classList.contains("quick-exit")) return;
    if (link.target && link.target !== "_self") return;
    if (link.hasAttribute("download")) return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return;
    event.preventDefault();
    window.location.replace(url.href);
  }

  function start() {
    var button = exitButton();
    if (button) button.addEventListener("click", quickExit);
    document.addEventListener("click", onClick);
  }

  document.addEventListener("keyup", onKeyUp, true);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.quickExit = quickExit;
})();
