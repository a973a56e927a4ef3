/* Live preview (kb serve --watch): reload the page when the content is re-indexed.
 * Long-polls the server's /_changes endpoint with the version this page was rendered at;
 * the answer comes as soon as a re-index moves the version on (or after a timeout).
 * Loaded as a file, never inline, so a strict Content-Security-Policy allows it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var version = script.getAttribute("data-version");
  var changes = script.getAttribute("data-changes");

  function poll(delay) {
    window.setTimeout(function () {
      window.fetch(changes + "?since=" + encodeURIComponent(version), { cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (data.version !== version) {
            window.location.reload();
          } else {
            poll(0);
          }
        })
        .catch(function () { poll(1000); }); /* server restarting: try again shortly */
    }, delay);
  }

  poll(0);
}());
