// Keyboard shortcuts of the inbox list and of a conversation (no framework, same origin only,
// as the Content Security Policy asks):
//   j / k  next / previous conversation (in the list) or message (in a conversation)
//   a      assign to me: the ticked or current conversations in the list, "I'm on it" here
//   r      focus the reply box (in the list: open the current conversation at its reply box)
//   e      close: the ticked or current conversations in the list, this one here
//   x      tick or untick the current conversation in the list
// Keys typed into a field, or with Ctrl, Alt or Meta, are left alone.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // The list's conversations, or a conversation's messages from the public.
  var ITEMS = "[data-nav-item], .thread li.bubble.inbound";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ITEMS));
  }

  function current() {
    return rows().filter(function (item) { return item.classList.contains("is-current"); })[0] || null;
  }

  function move(step) {
    var items = rows();
    if (!items.length) return;
    var index = items.indexOf(current());
    var next = items[Math.max(0, Math.min(items.length - 1, index < 0 ? 0 : index + step))];
    items.forEach(function (item) { item.classList.remove("is-current"); });
    next.classList.add("is-current");
    var focusable = next.querySelector("a, [tabindex]") || next;
    if (!focusable.hasAttribute("href") && !focusable.hasAttribute("tabindex")) {
      focusable.setAttribute("tabindex", "-1");
    }
    focusable.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  // The list: act on the ticked conversations, or on the current one when none is ticked.
  function bulk(action) {
    var form = document.getElementById("bulk");
    if (!form) return false;
    var ticked = document.querySelectorAll("input[name=c][form=bulk]:checked");
    if (!ticked.length) {
      var row = current();
      var box = row && row.querySelector("input[name=c]");
      if (!box) return false;
      box.checked = true;
    }
    form.querySelector("select[name=action]").value = action;
    form.requestSubmit();
    return true;
  }

  function click(selector) {
    var button = document.querySelector(selector);
    if (!button) return false;
    button.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    var inList = !!document.getElementById("conversation-list");
    var done = false;
    switch (event.key) {
      case "j": move(1); done = true; break;
      case "k": move(-1); done = true; break;
      case "x":
        var row = current();
        var box = row && row.querySelector("input[name=c]");
        if (box) { box.checked = !box.checked; done = true; }
        break;
      case "a": done = inList ? bulk("assign_me") : click("[data-key=t]"); break;
      case "e": done = inList ? bulk("close") : click("[data-key=c]"); break;
      case "r":
        if (inList) {
          var link = current() && current().querySelector("a.conversation-link");
          if (link) { window.location.href = link.href + "#reply-box"; done = true; }
        } else {
          var reply = document.getElementById("reply-text");
          if (reply) { reply.focus(); done = true; }
        }
        break;
    }
    if (done) event.preventDefault();
  });

  // The list refreshes itself every 30 seconds; not while conversations are ticked.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = document.getElementById("conversation-list");
    if (event.detail.elt === list && list.querySelector("input[name=c]:checked")) {
      event.preventDefault();
    }
  });
})();
