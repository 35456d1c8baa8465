/* The chat, enhanced. Without this script the same form posts to the server and the page comes
   back with the conversation (see chatbot/site/pages.py); with it, messages go through the chat
   API and counsellor messages arrive live (server-sent events).
   - The conversation id lives in sessionStorage only: closing the tab forgets it. No cookies.
   - Every text is put on the page as text (textContent): no HTML from any message is ever
     interpreted. Links (http/https only) become clickable. */
(function () {
  "use strict";

  var STORAGE_KEY = "chat-id";
  var root = document.getElementById("chat");
  var form = document.getElementById("chat-form");
  if (!root || !form || !window.fetch || !window.JSON) return;

  var lang = root.getAttribute("data-lang") || "es";
  var labels = {
    you: root.getAttribute("data-you"),
    bot: root.getAttribute("data-bot"),
    counsellor: root.getAttribute("data-counsellor")
  };
  var log = root.querySelector(".transcript");
  var typing = root.querySelector(".typing");
  var notice = root.querySelector(".notice");
  var choices = root.querySelector(".choices");
  var input = form.querySelector("textarea");
  var sendButton = form.querySelector(".send");
  var deleteButton = form.querySelector(".delete");
  var idField = form.querySelector("input[name=id]");

  var state = { id: null, busy: false, lastSeen: 0, seen: {}, source: null, mode: "bot" };
  var greetingChoices = readChoices();

  // -- storage -------------------------------------------------------------------------------

  function stored() {
    try { return window.sessionStorage.getItem(STORAGE_KEY); } catch (error) { return null; }
  }

  function remember(id) {
    state.id = id;
    idField.value = id || "";
    try {
      if (id) window.sessionStorage.setItem(STORAGE_KEY, id);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (error) { /* storage blocked: the id lives in this page only */ }
    deleteButton.hidden = !id;
  }

  function forget() {
    closeEvents();
    remember(null);
    state.lastSeen = 0;
    state.seen = {};
  }

  // -- text: the same rules as chatbot/site/text.py -----------------------------------------

  var URL_PATTERN = /https?:\/\/[^\s<>"'`]+/gi;
  var TRAILING = ".,;:!?)]}\u00bb\u201d\u2019'\"";

  function appendLine(parent, line) {
    var position = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(line)) !== null) {
      var url = match[0];
      while (url && TRAILING.indexOf(url.charAt(url.length - 1)) !== -1) url = url.slice(0, -1);
      if (url.length <= "https://".length) continue;
      if (match.index > position) parent.appendChild(document.createTextNode(line.slice(position, match.index)));
      var link = document.createElement("a");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = url;
      parent.appendChild(link);
      position = match.index + url.length;
      URL_PATTERN.lastIndex = position;
    }
    if (position < line.length) parent.appendChild(document.createTextNode(line.slice(position)));
  }

  function renderText(container, text) {
    var current = null;
    var kind = null;
    String(text).replace(/\r\n?/g, "\n").split("\n").forEach(function (raw) {
      var line = raw.trim();
      if (!line) { current = null; return; }
      var isItem = line.indexOf("- ") === 0;
      var body = isItem ? line.slice(2).trim() : line;
      var wanted = isItem ? "ul" : "p";
      if (!current || kind !== wanted) {
        current = document.createElement(wanted);
        kind = wanted;
        container.appendChild(current);
      } else if (wanted === "p") {
        current.appendChild(document.createElement("br"));
      }
      if (isItem) {
        var item = document.createElement("li");
        appendLine(item, body);
        current.appendChild(item);
      } else {
        appendLine(current, body);
      }
    });
  }

  // -- the transcript ------------------------------------------------------------------------

  function addMessage(sender, text) {
    var kind = sender === "user" || sender === "you" ? "you" : sender === "bot" || sender === "system" ? "bot" : "counsellor";
    var message = document.createElement("div");
    message.className = "msg msg-" + kind;
    var who = document.createElement("p");
    who.className = "msg-sender" + (kind === "counsellor" ? "" : " visually-hidden");
    who.textContent = labels[kind] + ":";
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.setAttribute("dir", "auto");
    renderText(bubble, text);
    message.appendChild(who);
    message.appendChild(bubble);
    log.appendChild(message);
    return message;
  }

  function clearTranscript() {
    var messages = log.querySelectorAll(".msg");
    for (var i = 1; i < messages.length; i++) messages[i].remove();  // keep the greeting
  }

  function reveal(element) {
    if (element && element.scrollIntoView) element.scrollIntoView({ block: "nearest" });
  }

  function readChoices() {
    return Array.prototype.map.call(choices.querySelectorAll("button"), function (button) {
      return { title: button.textContent, payload: button.value };
    });
  }

  function setChoices(buttons) {
    choices.textContent = "";
    (buttons || []).forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "submit";
      button.name = "payload";
      button.value = choice.payload;
      button.formNoValidate = true;
      button.textContent = choice.title;
      choices.appendChild(button);
    });
    choices.hidden = !(buttons && buttons.length);
  }

  function say(text) {
    notice.textContent = text || "";
  }

  // Where a request for a person stands: waiting (with the place in the queue) or with a person.
  function showState(mode, handoff) {
    if (mode === "waiting" && handoff && handoff.open === false) {
      say(root.getAttribute("data-waiting-closed"));
    } else if (mode === "waiting") {
      var position = handoff && handoff.position;
      say(position ? root.getAttribute("data-waiting-position").replace("{position}", position)
                   : root.getAttribute("data-waiting"));
    } else if (mode === "human") {
      say(root.getAttribute("data-with-counsellor"));
    } else if (state.mode && state.mode !== "bot") {
      say("");
    }
    state.mode = mode;
  }

  // -- talking to the server -----------------------------------------------------------------

  function request(method, url, body) {
    var options = { method: method, credentials: "omit", cache: "no-store", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return window.fetch(url, options);
  }

  function conversationUrl(suffix) {
    return "/api/conversations/" + encodeURIComponent(state.id) + (suffix || "");
  }

  function start() {
    if (state.id) return Promise.resolve(state.id);
    return request("POST", "/api/conversations", { lang: lang }).then(function (response) {
      if (!response.ok) throw new Error("start " + response.status);
      return response.json();
    }).then(function (data) {
      remember(data.id);
      openEvents();
      return data.id;
    });
  }

  function post(body) {
    return start().then(function () {
      return request("POST", conversationUrl("/messages"), body);
    }).then(function (response) {
      if (response.status === 404) {  // expired or erased elsewhere: start again
        forget();
        return start().then(function () { return request("POST", conversationUrl("/messages"), body); });
      }
      return response;
    });
  }

  function send(body, shown) {
    if (state.busy) return;
    state.busy = true;
    say("");
    reveal(addMessage("you", shown));
    setChoices([]);
    typing.hidden = false;
    sendButton.disabled = true;
    post(body).then(function (response) {
      if (response.status === 422) {
        say(root.getAttribute("data-too-long"));
        return;
      }
      if (!response.ok) throw new Error("send " + response.status);
      return response.json().then(function (data) {
        var first = null;
        (data.messages || []).forEach(function (message) {
          var added = addMessage("bot", message.text);
          first = first || added;
        });
        var last = (data.messages || [])[data.messages.length - 1];
        setChoices(last ? last.buttons : []);
        showState(data.state, data.handoff);
        reveal(first);
      });
    }).catch(function () {
      say(root.getAttribute("data-send-failed"));
    }).then(function () {
      typing.hidden = true;
      sendButton.disabled = false;
      state.busy = false;
    });
  }

  function erase() {
    var id = state.id;
    forget();
    clearTranscript();
    setChoices(greetingChoices);
    say(root.getAttribute("data-deleted"));
    input.value = "";
    input.focus();
    if (!id) return;
    request("DELETE", "/api/conversations/" + encodeURIComponent(id)).catch(function () {
      // Offline: ask again the way the quick exit does.
      if (navigator.sendBeacon) navigator.sendBeacon("/api/conversations/" + encodeURIComponent(id) + "/erase");
    });
  }

  // -- counsellor messages, live -------------------------------------------------------------

  function closeEvents() {
    if (state.source) {
      state.source.close();
      state.source = null;
    }
  }

  function openEvents() {
    if (!window.EventSource || !state.id) return;
    closeEvents();
    var source = new window.EventSource(conversationUrl("/events?after=" + state.lastSeen));
    source.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (!message || state.seen[message.id]) return;
      state.seen[message.id] = true;
      state.lastSeen = Math.max(state.lastSeen, message.id);
      reveal(addMessage(message.sender, message.text));
      if (message.state) showState(message.state);
    });
    source.addEventListener("erased", function () {
      forget();
    });
    state.source = source;
  }

  // -- after a reload in the same tab: the conversation so far -------------------------------

  function restore(id) {
    state.id = id;
    request("GET", conversationUrl("/messages")).then(function (response) {
      if (response.status === 404) { forget(); return null; }
      if (!response.ok) throw new Error("restore " + response.status);
      return response.json();
    }).then(function (data) {
      if (!data) return;
      remember(id);
      clearTranscript();
      (data.messages || []).forEach(function (message) {
        addMessage(message.sender, message.text);
        state.lastSeen = Math.max(state.lastSeen, message.id);
        state.seen[message.id] = true;
      });
      setChoices(data.buttons);
      openEvents();
    }).catch(function () {
      remember(id);
      openEvents();
    });
  }

  // -- wiring --------------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter || document.activeElement;
    if (submitter && submitter.name === "action" && submitter.value === "delete") {
      erase();
      return;
    }
    if (submitter && submitter.name === "payload") {
      var title = submitter.textContent;
      send({ payload: submitter.value }, title);
      input.focus();
      return;
    }
    var text = input.value.trim();
    if (!text) {
      say(root.getAttribute("data-empty"));
      input.focus();
      return;
    }
    input.value = "";
    send({ text: text }, text);
  });

  // Enter sends; Shift+Enter starts a new line.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(sendButton);
      else sendButton.click();
    }
  });

  window.addEventListener("pagehide", closeEvents);

  var known = stored() || idField.value;
  if (known) restore(known);
})();
