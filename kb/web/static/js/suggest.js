/* Autocomplete for search boxes marked data-suggest: word completions and titles from
   /api/suggest, as an ARIA combobox (arrow keys, Enter, Escape). Without JavaScript
   the form still submits a plain search. */
(function () {
  "use strict";

  function setup(input) {
    var form = input.form;
    var list = document.createElement("ul");
    var listId = input.id + "-suggestions";
    var items = [];
    var active = -1;
    var timer = null;
    var lastQuery = "";

    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.getAttribute("data-suggest-label") || "Suggestions");
    list.hidden = true;
    input.parentNode.style.position = "relative";
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      items.forEach(function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", items[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(li) {
      if (li.dataset.url) {
        window.location.assign(li.dataset.url);
        return;
      }
      input.value = li.dataset.text;
      close();
      form.submit();
    }

    function render(suggestions) {
      list.textContent = "";
      items = suggestions.map(function (s, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.className = "suggestion suggestion-" + s.kind;
        li.dataset.text = s.text;
        if (s.url) { li.dataset.url = s.url; }
        li.textContent = s.text;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(li);
        });
        list.appendChild(li);
        return li;
      });
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(-1);
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q === lastQuery) { return; }
      lastQuery = q;
      if (q.trim().length < 2) { render([]); return; }
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), {
        headers: { "Accept": "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value === q) {
            render(data.suggestions || []);
            list.setAttribute("data-for", q);  /* which query the list answers */
          }
        })
        .catch(function () { render([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-suggest]").forEach(setup);
}());
