/* No lost typing, and a second thought before irreversible buttons.
 *
 * - [data-confirm] on a form or a submit button asks before submitting.
 * - A form with [data-keep-typing] (the edit pages):
 *   - keeps what is typed in this browser (localStorage, keyed by the page and the version of
 *     the row it was loaded with) and offers it back when the page opens again, e.g. after the
 *     session ended and the person logged in again;
 *   - keeps the session alive while the person types (a throttled ping to the keep-alive URL)
 *     and warns before the session ends;
 *   - asks before leaving the page with unsaved changes;
 *   - counts the characters of each limited text field as the person types.
 * - A list table with [data-changes-since] marks the rows updated since this browser last
 *   opened that list.
 * Logging out on purpose forgets the kept drafts.
 * Served from the portal itself (strict CSP: no inline script). */
(function () {
  "use strict";

  var PING_EVERY_MS = 60 * 1000;
  var DRAFT_PREFIX = "vision-portal:draft:";

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // --- confirmations ------------------------------------------------------------------------

  function setUpConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var button = event.submitter;
      var message = (button && button.getAttribute("data-confirm")) ||
        form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
  }

  // --- drafts in this browser ---------------------------------------------------------------

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
        (el.tagName === "INPUT" && (el.type === "text" || el.type === "checkbox")));
    });
  }

  function valuesOf(form) {
    var values = {};
    fields(form).forEach(function (el) {
      values[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return values;
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function draftKey(form) {
    return DRAFT_PREFIX + form.getAttribute("data-keep-typing") + ":v" +
      form.getAttribute("data-version");
  }

  function saveDraft(form) {
    var store = storage();
    if (!store) return;
    try {
      store.setItem(draftKey(form), JSON.stringify({ savedAt: Date.now(), values: valuesOf(form) }));
    } catch (e) { /* storage full or refused: typing goes on regardless */ }
  }

  function forgetOtherVersions(form) {
    var store = storage();
    if (!store) return;
    var prefix = DRAFT_PREFIX + form.getAttribute("data-keep-typing") + ":v";
    var keep = draftKey(form);
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      // A draft of an older version was saved (or overtaken by someone else's save).
      if (key && key.indexOf(prefix) === 0 && key !== keep) store.removeItem(key);
    }
  }

  function differs(form, values) {
    return fields(form).some(function (el) {
      if (!(el.name in values)) return false;
      var current = el.type === "checkbox" ? el.checked : el.value;
      return current !== values[el.name];
    });
  }

  function restore(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) return;
      if (el.type === "checkbox") el.checked = values[el.name];
      else el.value = values[el.name];
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function notice(form, className, role) {
    var box = document.createElement("div");
    box.className = "keep-typing " + className;
    box.setAttribute("role", role);
    form.parentNode.insertBefore(box, form);
    return box;
  }

  function offerDraft(form) {
    var store = storage();
    if (!store) return;
    forgetOtherVersions(form);
    var raw = store.getItem(draftKey(form));
    if (!raw) return;
    var draft;
    try {
      draft = JSON.parse(raw);
    } catch (e) {
      store.removeItem(draftKey(form));
      return;
    }
    if (!draft || !draft.values || !differs(form, draft.values)) return;
    var when = new Date(draft.savedAt);
    var box = notice(form, "keep-typing--draft", "alert");
    var text = document.createElement("p");
    text.textContent = "このブラウザに、保存されていない入力が残っています（" +
      when.toLocaleString("ja-JP") + "）。ログインが切れる前に入力していた内容です。";
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button button--primary";
    use.textContent = "残っている入力を戻す";
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button";
    drop.textContent = "破棄する";
    use.addEventListener("click", function () {
      restore(form, draft.values);
      box.remove();
      var first = fields(form)[0];
      if (first) first.focus();
    });
    drop.addEventListener("click", function () {
      store.removeItem(draftKey(form));
      box.remove();
    });
    box.appendChild(text);
    box.appendChild(use);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(drop);
  }

  // --- session keep-alive and warning -------------------------------------------------------

  function setUpSession(form) {
    var url = form.getAttribute("data-keepalive-url");
    var seconds = parseInt(form.getAttribute("data-session-seconds"), 10) || 0;
    if (!url || !seconds) return;
    // The server slides the expiry at most once a minute: count from a minute earlier.
    var endsAt = Date.now() + Math.max(seconds - 60, 30) * 1000;
    var lastPing = Date.now();
    var warnBeforeMs = Math.min(5 * 60, Math.floor(seconds / 3)) * 1000;
    var box = null;
    var expired = false;
    var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");

    function show(message, withButton) {
      if (!box) box = notice(form, "keep-typing--session", "alert");
      box.textContent = "";
      var p = document.createElement("p");
      p.textContent = message;
      box.appendChild(p);
      if (withButton) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button";
        button.textContent = "ログインを延長する";
        button.addEventListener("click", function () { ping(true); });
        box.appendChild(button);
      }
    }

    function hide() {
      if (box) {
        box.remove();
        box = null;
      }
    }

    function markExpired() {
      expired = true;
      show("ログインの有効期限が切れました。入力した内容はこのブラウザに保存されています。" +
        "保存するとログイン画面に移ります。ログインし直すと、この画面で入力を戻せます。", false);
    }

    function ping(force) {
      if (expired) return;
      if (!force && Date.now() - lastPing < PING_EVERY_MS) return;
      lastPing = Date.now();
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenInput ? tokenInput.value : "" },
      }).then(function (response) {
        if (response.status === 401) {
          markExpired();
          return null;
        }
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && data.authenticated) {
          endsAt = Date.now() + data.seconds_left * 1000;
          hide();
        }
      }).catch(function () { /* offline for a moment: the next keystroke tries again */ });
    }

    form.addEventListener("input", function () { ping(false); });
    window.setInterval(function () {
      if (expired) return;
      var left = endsAt - Date.now();
      if (left <= 0) {
        markExpired();
      } else if (left <= warnBeforeMs) {
        show("あと約" + Math.ceil(left / 60000) + "分でログインの有効期限が切れます。" +
          "続けて入力するか、下のボタンを押すと延長します。", true);
      }
    }, 15 * 1000);
  }

  // --- character count ----------------------------------------------------------------------

  function length(text) {
    return Array.from(text).length;
  }

  function setUpCounter(textarea) {
    var limit = parseInt(textarea.getAttribute("maxlength"), 10);
    if (!limit) return;
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = textarea.id + "_count";
    textarea.insertAdjacentElement("afterend", counter);
    var described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var used = length(textarea.value);
      counter.textContent = used + " / " + limit + " 文字" +
        (used > limit ? "（" + (used - limit) + " 文字多すぎます）" :
          used >= limit * 0.9 ? "（あと " + (limit - used) + " 文字）" : "");
      counter.classList.toggle("char-count--near", used >= limit * 0.9);
    }
    textarea.addEventListener("input", update);
    update();
  }

  // --- the edit form ------------------------------------------------------------------------

  function setUpForm(form) {
    var loaded = JSON.stringify(valuesOf(form));
    var submitting = false;
    offerDraft(form);
    form.querySelectorAll("textarea[maxlength]").forEach(setUpCounter);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || JSON.stringify(valuesOf(form)) === loaded) return;
      event.preventDefault();
      event.returnValue = "";
    });
    setUpSession(form);
  }

  // --- lists: rows changed since this list was last opened ----------------------------------

  // The lists are cached for everyone alike, so the page carries each row's update time and
  // the browser remembers when the person last opened the list (the boundary stays the same
  // while they page through it in one tab).
  function markChangedRows(table) {
    var store = storage();
    var tab;
    try {
      tab = window.sessionStorage;
    } catch (e) {
      tab = null;
    }
    if (!store || !tab) return;
    var key = "vision-portal:list-seen:" + table.getAttribute("data-changes-since");
    var visit = null;
    try {
      visit = JSON.parse(tab.getItem(key));
    } catch (e) { /* none yet */ }
    // A visit is one sitting: paging within half an hour keeps its boundary.
    if (!visit || Date.now() - visit.at > 30 * 60 * 1000) {
      visit = { boundary: store.getItem(key) || "" };
    }
    visit.at = Date.now();
    tab.setItem(key, JSON.stringify(visit));
    store.setItem(key, new Date().toISOString());
    var boundary = visit.boundary;
    var since = Date.parse(boundary);
    if (!boundary || isNaN(since)) return;
    var changed = 0;
    table.querySelectorAll("tbody tr[data-updated]").forEach(function (row) {
      if (Date.parse(row.getAttribute("data-updated")) <= since) return;
      var header = row.querySelector("th[scope=row]");
      if (!header) return;
      var badge = document.createElement("span");
      badge.className = "tag tag--changed";
      badge.textContent = "前回以降に更新";
      header.appendChild(document.createElement("br"));
      header.appendChild(badge);
      changed += 1;
    });
    if (changed) {
      var note = document.createElement("p");
      note.className = "notice";
      note.textContent = "前回この一覧を開いた " + new Date(since).toLocaleString("ja-JP") +
        " のあとに更新された行に「前回以降に更新」と表示しています（このページに " + changed + " 件）。";
      table.parentNode.insertBefore(note, table);
    }
  }

  // Logging out on purpose ends what the browser keeps for this person (a shared PC).
  function forgetDraftsOnLogout() {
    document.addEventListener("submit", function (event) {
      var action = event.target.getAttribute("action") || "";
      if (!/\/logout\/$/.test(action) || event.defaultPrevented) return;
      var store = storage();
      if (!store) return;
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key && key.indexOf(DRAFT_PREFIX) === 0) store.removeItem(key);
      }
    });
  }

  onReady(function () {
    setUpConfirmations();
    forgetDraftsOnLogout();
    document.querySelectorAll("form[data-keep-typing]").forEach(setUpForm);
    document.querySelectorAll("table[data-changes-since]").forEach(markChangedRows);
  });
})();
