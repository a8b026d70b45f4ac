// The calendar: move a post to another day by dragging it (native HTML5 drag and drop with a
// mouse; a pointer fallback from its grip for touch and pens) or with the keyboard (select it,
// M, the arrow keys, Enter). Every way ends in the post's own "Move" form, submitted as if
// filled in by hand, so the server applies the edit form's checks and writes the audit log.
(function () {
  "use strict";

  var root = document.getElementById("calendar");
  if (!root) return;
  var live = document.getElementById("cal-live");
  var rtl = document.documentElement.dir === "rtl";
  var dayView = root.classList.contains("cal-view-day");

  function say(text) {
    if (live) live.textContent = text;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function shift(iso, days) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function spoken(iso) {
    var d = new Date(iso + "T00:00:00Z");
    try {
      return d.toLocaleDateString(document.documentElement.lang || undefined, {
        timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric"
      });
    } catch (e) {
      return iso;
    }
  }

  function clearTargets() {
    Array.prototype.forEach.call(root.querySelectorAll(".is-drop-target"), function (cell) {
      cell.classList.remove("is-drop-target");
    });
  }

  function mark(cell) {
    clearTargets();
    if (cell) cell.classList.add("is-drop-target");
  }

  function cellFor(iso) {
    return root.querySelector('[data-drop-date="' + iso + '"]:not([data-drop-hour])') ||
      root.querySelector('[data-drop-date="' + iso + '"]');
  }

  // Fill the post's Move form and send it; the page comes back with the outcome.
  function move(chip, iso, clock, via) {
    var form = chip.querySelector("form.cal-move-form");
    if (!form) return;
    if (iso === chip.dataset.date && clock === chip.dataset.time) {
      clearTargets();
      return;
    }
    form.elements.date.value = iso;
    form.elements.time.value = clock;
    form.elements.via.value = via;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function dropOn(chip, cell, via) {
    var clock = chip.dataset.time;
    if (cell.dataset.dropHour !== undefined) {
      clock = pad(parseInt(cell.dataset.dropHour, 10)) + clock.slice(2);
    }
    move(chip, cell.dataset.dropDate, clock, via);
  }

  // Native drag and drop (a mouse).
  var dragged = null;
  root.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest(".cal-post[draggable=true]");
    if (!chip) return;
    dragged = chip;
    chip.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.dataset.post);
  });
  root.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var cell = event.target.closest && event.target.closest("[data-drop-date]");
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    mark(cell);
  });
  root.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest("[data-drop-date]");
    if (!dragged || !cell) return;
    event.preventDefault();
    var chip = dragged;
    dragged = null;
    dropOn(chip, cell, "drag");
  });
  root.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearTargets();
  });

  // Pointer fallback (touch, pen): drag the post by its grip.
  var pointer = null;
  root.addEventListener("pointerdown", function (event) {
    var grip = event.target.closest && event.target.closest(".cal-grip");
    if (!grip || event.pointerType === "mouse") return;
    var chip = grip.closest(".cal-post");
    event.preventDefault();
    try {
      grip.setPointerCapture(event.pointerId);
    } catch (e) {
      // No capture (an old browser): the moves still reach the calendar while over it.
    }
    var ghost = chip.cloneNode(true);
    ghost.classList.add("cal-ghost");
    ghost.removeAttribute("id");
    document.body.appendChild(ghost);
    pointer = { id: event.pointerId, chip: chip, ghost: ghost, grip: grip };
    chip.classList.add("is-dragging");
    place(event);
  });

  function place(event) {
    pointer.ghost.style.left = event.clientX + 8 + "px";
    pointer.ghost.style.top = event.clientY + 8 + "px";
    var under = document.elementFromPoint(event.clientX, event.clientY);
    pointer.cell = under && under.closest ? under.closest("[data-drop-date]") : null;
    mark(pointer.cell);
  }

  root.addEventListener("pointermove", function (event) {
    if (pointer && event.pointerId === pointer.id) place(event);
  });

  function endPointer(event, cancelled) {
    if (!pointer || event.pointerId !== pointer.id) return;
    var done = pointer;
    pointer = null;
    done.ghost.remove();
    done.chip.classList.remove("is-dragging");
    clearTargets();
    if (!cancelled && done.cell) dropOn(done.chip, done.cell, "drag");
  }
  root.addEventListener("pointerup", function (event) { endPointer(event, false); });
  root.addEventListener("pointercancel", function (event) { endPointer(event, true); });

  // The keyboard: on a selected post, M picks it up; the arrows choose the day (a week up and
  // down in the grids, an hour in the day view); Enter moves it there; Escape puts it back.
  var moving = null;

  function cancel() {
    if (!moving) return;
    moving.chip.classList.remove("is-moving");
    moving.chip.removeAttribute("aria-grabbed");
    moving = null;
    clearTargets();
    say(root.dataset.msgCancelled);
  }

  function target() {
    var cell = dayView ? root.querySelector(
      '[data-drop-date="' + moving.date + '"][data-drop-hour="' + moving.hour + '"]'
    ) : cellFor(moving.date);
    mark(cell);
    if (cell) cell.scrollIntoView({ block: "nearest" });
    say(spoken(moving.date) + (dayView ? ", " + pad(moving.hour) + moving.chip.dataset.time.slice(2) : ""));
  }

  root.addEventListener("keydown", function (event) {
    var chip = event.target.classList && event.target.classList.contains("cal-post") ? event.target : null;
    if (!chip || event.ctrlKey || event.altKey || event.metaKey) return;
    var key = event.key;
    if (!moving) {
      if (key === "m" || key === "M") {
        moving = {
          chip: chip,
          date: chip.dataset.date,
          hour: parseInt(chip.dataset.time.slice(0, 2), 10)
        };
        chip.classList.add("is-moving");
        chip.setAttribute("aria-grabbed", "true");
        say(root.dataset.msgPicked);
        mark(null);
        event.preventDefault();
      }
      return;
    }
    if (moving.chip !== chip) return;
    var forward = rtl ? -1 : 1;
    var handled = true;
    if (key === "ArrowRight") moving.date = shift(moving.date, forward);
    else if (key === "ArrowLeft") moving.date = shift(moving.date, -forward);
    else if (key === "ArrowDown") {
      if (dayView) moving.hour = Math.min(23, moving.hour + 1); else moving.date = shift(moving.date, 7);
    } else if (key === "ArrowUp") {
      if (dayView) moving.hour = Math.max(0, moving.hour - 1); else moving.date = shift(moving.date, -7);
    } else if (key === "Enter") {
      var picked = moving;
      moving = null;
      move(picked.chip, picked.date, pad(picked.hour) + picked.chip.dataset.time.slice(2), "keyboard");
      return event.preventDefault();
    } else if (key === "Escape") cancel();
    else handled = false;
    if (handled) {
      event.preventDefault();
      if (moving) target();
    }
  });
  root.addEventListener("focusout", function (event) {
    if (moving && event.target === moving.chip && !root.contains(event.relatedTarget)) cancel();
  });
})();
