/* The counsellors' console: fills the page from /console/api, keeps it live with server-sent
   events, and sends every action with the session's CSRF token. Every text is put on the page
   with textContent: nothing a user wrote is ever interpreted as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("console");
  if (!root) return;
  var csrf = root.getAttribute("data-csrf");
  var lists = { waiting: byId("waiting"), mine: byId("mine"), others: byId("others") };
  var detail = byId("detail");
  var statusLine = byId("status");
  var baseTitle = document.title;
  // urgent: waiting crisis/emergency ids; alarms and read: per conversation, the newest flagged
  // message and the newest message this page has shown.
  var state = { queue: null, selected: null, conversation: null, urgent: {}, alarms: {}, read: {}, first: true };

  function byId(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(text) { statusLine.textContent = text || ""; }

  function call(method, url, body, background) {
    var headers = { "X-CSRF-Token": csrf };
    if (background) headers["X-Console-Background"] = "1";
    var options = { method: method, credentials: "same-origin", cache: "no-store", headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 401) { window.location.assign("/console/login"); throw new Error("session"); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || ("Error " + response.status));
        return data;
      });
    });
  }

  function minutes(seconds) {
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }

  // -- the lists ----------------------------------------------------------------------------

  function entry(item) {
    var li = el("li", "entry priority-" + item.priority);
    var button = el("button", "open");
    button.type = "button";
    button.setAttribute("data-id", item.id);
    if (item.id === state.selected) button.setAttribute("aria-current", "true");
    var head = el("span", "head");
    head.appendChild(el("span", "badge badge-" + item.priority, item.priority));
    if (item.state === "human" && item.id !== state.selected && item.latest_message > (state.read[item.id] || 0)) {
      head.appendChild(el("span", "badge badge-new", "new"));
    }
    head.appendChild(el("span", "meta", [item.channel === "sms" ? "SMS" : "Web", item.lang.toUpperCase(),
      item.country, item.audience].join(" · ")));
    head.appendChild(el("span", "wait", item.state === "waiting" ? "waiting " + minutes(item.waiting_seconds)
      : (item.counsellor || "")));
    button.appendChild(head);
    if (item.flags.length) button.appendChild(el("span", "flags", "Flags: " + item.flags.join(", ")));
    if (item.topics.length) button.appendChild(el("span", "topics", "Topics: " + item.topics.join(", ")));
    item.last_words.forEach(function (text) { button.appendChild(el("span", "words", text)); });
    button.addEventListener("click", function () { select(item.id); });
    li.appendChild(button);
    return li;
  }

  function fill(list, items) {
    list.textContent = "";
    if (!items.length) list.appendChild(el("li", "none", "None"));
    items.forEach(function (item) { list.appendChild(entry(item)); });
  }

  function renderQueue(data) {
    state.queue = data;
    fill(lists.waiting, data.waiting);
    fill(lists.mine, data.mine);
    fill(lists.others, data.others);
    byId("others-block").hidden = data.me.role !== "supervisor";
    byId("waiting-count").textContent = data.waiting.length;
    byId("duty").textContent = (data.open ? "Open now" : "Outside counsellor hours (" + data.hours + ")") +
      " · on duty: " + data.on_duty.map(function (c) { return c.username; }).join(", ");
    var urgent = data.waiting.filter(function (item) {
      return item.priority === "crisis" || item.priority === "emergency";
    });
    document.title = (data.waiting.length ? "(" + data.waiting.length + (urgent.length ? "!" : "") + ") " : "") + baseTitle;
    var fresh = urgent.filter(function (item) { return !state.urgent[item.id]; });
    state.urgent = {};
    urgent.forEach(function (item) { state.urgent[item.id] = true; });
    // A crisis or emergency message in a conversation already held sounds the alarm too.
    var held = data.mine.concat(data.others).filter(function (item) {
      var known = state.alarms[item.id];
      state.alarms[item.id] = item.latest_alarm;
      return known !== undefined && item.latest_alarm > known;
    });
    if (!state.first && (fresh.length || held.length)) alarm(fresh[0] || held[0]);
    state.first = false;
  }

  function alarm(item) {
    say(item.state === "waiting" ? "New " + item.priority + " conversation waiting."
      : "Crisis or emergency message in a conversation you hold.");
    try {
      var Audio = window.AudioContext || window.webkitAudioContext;
      var audio = new Audio();
      [0, 0.25].forEach(function (delay) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.frequency.value = 880;
        gain.gain.value = 0.2;
        tone.connect(gain);
        gain.connect(audio.destination);
        tone.start(audio.currentTime + delay);
        tone.stop(audio.currentTime + delay + 0.15);
      });
    } catch (error) { /* no sound available: the title and the status line still say it */ }
  }

  function loadQueue(background) {
    return call("GET", "/console/api/queue", undefined, background).then(renderQueue)
      .catch(function (error) { say(error.message); });
  }

  // -- one conversation ---------------------------------------------------------------------

  function select(id) {
    state.selected = id;
    loadConversation(false);
    if (state.queue) renderQueue(state.queue);
  }

  function loadConversation(background) {
    if (!state.selected) return Promise.resolve();
    var id = state.selected;
    return call("GET", "/console/api/conversations/" + encodeURIComponent(id), undefined, background)
      .then(function (data) { if (state.selected === id) renderConversation(data, background); })
      .catch(function (error) {
        if (state.selected === id) {
          state.selected = null;
          state.conversation = null;
          detail.textContent = "";
          detail.appendChild(el("p", "empty", error.message));
        }
      });
  }

  function button(label, key, action) {
    var node = el("button", "action", label);
    node.type = "button";
    if (key) node.setAttribute("aria-keyshortcuts", key);
    node.addEventListener("click", action);
    return node;
  }

  function act(path, body, done) {
    return call("POST", "/console/api/conversations/" + encodeURIComponent(state.selected) + "/" + path, body)
      .then(function () {
        say(done);
        if (path === "close" || path === "handback" || path === "transfer") {  // no longer ours to see
          state.selected = state.conversation = null;
          detail.textContent = "";
          detail.appendChild(el("p", "empty", done));
        }
        return Promise.all([loadQueue(true), loadConversation(true)]).then(function () { return true; });
      })
      .catch(function (error) { say(error.message); return false; });
  }

  function renderConversation(data, background) {
    var drafts = {};
    if (background && state.conversation && state.conversation.id === data.id) {
      ["reply", "note"].forEach(function (name) {
        var box = byId(name + "-text");
        if (box) drafts[name] = { value: box.value, focused: document.activeElement === box };
      });
    }
    state.conversation = data;
    state.read[data.id] = data.latest_message;
    detail.textContent = "";
    var head = el("div", "detail-head");
    head.appendChild(el("h2", null, (data.channel === "sms" ? "SMS" : "Web chat") + " · " +
      data.lang.toUpperCase() + " · " + data.country + " · " + data.audience));
    head.appendChild(el("p", "badge badge-" + data.priority, data.priority));
    if (data.number) head.appendChild(el("p", "number", "Number: " + data.number));
    if (data.flags.length) head.appendChild(el("p", "flags", "Flags: " + data.flags.join(", ")));
    head.appendChild(el("p", "state", data.state === "waiting" ? "Waiting " + minutes(data.waiting_seconds)
      : data.state === "human" ? "With " + (data.counsellor || "a counsellor") : "With the bot"));
    detail.appendChild(head);

    var transcript = el("ol", "transcript");
    transcript.setAttribute("aria-label", "Conversation");
    data.messages.forEach(function (message) {
      var item = el("li", "msg msg-" + message.sender + (message.flag ? " flagged" : ""));
      var who = { user: "User", bot: "Bot", system: "Bot", counsellor: "Counsellor" }[message.sender] || message.sender;
      item.appendChild(el("span", "who", who + (message.flag ? " · " + message.flag.toUpperCase() : "") +
        (message.topic ? " · " + message.topic : "")));
      item.appendChild(el("span", "text", message.text));
      transcript.appendChild(item);
    });
    detail.appendChild(transcript);

    var actions = el("div", "actions");
    if (data.can_claim) {
      actions.appendChild(button("Claim (c)", "c", function () { act("claim", {}, "Claimed."); }));
    }
    if (data.can_act && data.state === "human") {
      actions.appendChild(composer("reply", "Reply to the user", "Send (Ctrl+Enter)", data.canned));
      actions.appendChild(composer("note", "Private note (never shown to the user)", "Save note", null));
      actions.appendChild(transferForm());
      actions.appendChild(closeForm(data));
    }
    detail.appendChild(actions);
    if (data.notes.length) {
      var notes = el("ul", "notes");
      notes.setAttribute("aria-label", "Notes");
      data.notes.forEach(function (note) { notes.appendChild(el("li", null, note.author + ": " + note.text)); });
      detail.appendChild(el("h3", null, "Notes"));
      detail.appendChild(notes);
    }
    Object.keys(drafts).forEach(function (name) {
      var box = byId(name + "-text");
      if (box) { box.value = drafts[name].value; if (drafts[name].focused) box.focus(); }
    });
    transcript.lastChild && transcript.lastChild.scrollIntoView && transcript.lastChild.scrollIntoView({ block: "nearest" });
  }

  function composer(name, label, send, canned) {
    var form = el("form", "composer");
    var id = name + "-text";
    var caption = el("label", null, label);
    caption.htmlFor = id;
    var box = el("textarea");
    box.id = id;
    box.rows = name === "reply" ? 4 : 2;
    box.maxLength = 2000;
    form.appendChild(caption);
    if (canned && canned.length) {
      var picker = el("select", "canned");
      picker.setAttribute("aria-label", "Ready-made replies");
      picker.appendChild(el("option", null, "Ready-made replies…"));
      canned.forEach(function (item, index) {
        var option = el("option", null, item.title);
        option.value = String(index);
        picker.appendChild(option);
      });
      picker.addEventListener("change", function () {
        var chosen = canned[Number(picker.value)];
        if (chosen) { box.value = chosen.text; box.focus(); }
        picker.selectedIndex = 0;
      });
      form.appendChild(picker);
    }
    form.appendChild(box);
    var submit = el("button", null, send);
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = box.value.trim();
      if (!text) { say("Write something first."); return; }
      submit.disabled = true;
      act(name, { text: text }, name === "reply" ? "Sent." : "Note saved.").then(function (ok) {
        submit.disabled = false;
        var current = byId(id);  // the form may have been redrawn meanwhile
        if (ok && current && current.value.trim() === text) current.value = "";
      });
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else submit.click();
      }
    });
    return form;
  }

  function transferForm() {
    var form = el("form", "inline");
    var picker = el("select");
    picker.id = "transfer-to";
    var caption = el("label", null, "Transfer to");
    caption.htmlFor = picker.id;
    var me = Number(root.getAttribute("data-me"));
    (state.queue ? state.queue.on_duty : []).forEach(function (colleague) {
      if (colleague.id === me) return;
      var option = el("option", null, colleague.username);
      option.value = String(colleague.id);
      picker.appendChild(option);
    });
    var submit = el("button", null, "Transfer");
    submit.type = "submit";
    submit.disabled = !picker.options.length;
    form.appendChild(caption);
    form.appendChild(picker);
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act("transfer", { to: Number(picker.value) }, "Transferred.");
    });
    return form;
  }

  function closeForm(data) {
    var form = el("form", "inline");
    var picker = el("select");
    picker.id = "outcome";
    var caption = el("label", null, "Outcome");
    caption.htmlFor = picker.id;
    (state.queue ? state.queue.outcomes : []).forEach(function (outcome) {
      var option = el("option", null, outcome.label);
      option.value = outcome.key;
      picker.appendChild(option);
    });
    var submit = el("button", null, "Close");
    submit.type = "submit";
    form.appendChild(caption);
    form.appendChild(picker);
    form.appendChild(submit);
    form.appendChild(button("Hand back to the bot", null, function () { act("handback", {}, "Handed back to the bot."); }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act("close", { outcome: picker.value }, "Closed: the bot answers again.");
    });
    return form;
  }

  // -- live updates and keys ----------------------------------------------------------------

  function listen() {
    if (!window.EventSource) { window.setInterval(function () { loadQueue(true); loadConversation(true); }, 5000); return; }
    var source = new EventSource("/console/api/events");
    source.addEventListener("changed", function () { loadQueue(true); loadConversation(true); });
    source.addEventListener("ended", function () { source.close(); window.location.assign("/console/login"); });
  }

  function entries() { return Array.prototype.slice.call(document.querySelectorAll(".queue button.open")); }

  document.addEventListener("keydown", function (event) {
    var typing = /^(TEXTAREA|INPUT|SELECT)$/.test(event.target.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    var all = entries();
    var at = all.indexOf(document.activeElement);
    if (event.key === "j" || event.key === "k") {
      var next = all[Math.max(0, Math.min(all.length - 1, at + (event.key === "j" ? 1 : -1)))];
      if (next) next.focus();
    } else if (event.key === "c" && state.conversation && state.conversation.can_claim) {
      act("claim", {}, "Claimed.");
    } else if (event.key === "r" && byId("reply-text")) {
      byId("reply-text").focus();
    } else if (event.key === "n" && byId("note-text")) {
      byId("note-text").focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  loadQueue(false);
  listen();
})();
