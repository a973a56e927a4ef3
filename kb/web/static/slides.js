// Slide navigator for presentations: marks the slide in view, and the left/right arrow keys
// move to the previous/next slide when focus is not in a form field. The page works without it.
// (No single-letter shortcuts: WCAG 2.1.4.)
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide h2[id^='slide-']"));
  var links = Array.prototype.slice.call(document.querySelectorAll(".slide-nav a"));
  if (!slides.length) { return; }

  function current() {
    var index = -1;
    for (var i = 0; i < slides.length; i++) {
      if (slides[i].getBoundingClientRect().top <= 80) { index = i; }
    }
    return index;
  }

  function mark() {
    var index = current();
    links.forEach(function (link, i) {
      if (i === index) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
  }

  function go(index) {
    var target = slides[Math.max(0, Math.min(slides.length - 1, index))];
    history.pushState(null, "", "#" + target.id);
    target.scrollIntoView();
    target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    mark();
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (event.altKey || event.ctrlKey || event.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(tag)) { return; }
    if (event.key === "ArrowRight") { event.preventDefault(); go(current() + 1); }
    if (event.key === "ArrowLeft") { event.preventDefault(); go(current() - 1); }
  });
  window.addEventListener("scroll", mark, { passive: true });
  window.addEventListener("hashchange", mark);
  mark();
}());
