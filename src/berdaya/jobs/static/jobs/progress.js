// Sets the width of Bootstrap progress bars from data-width: the CSP forbids inline style attributes.
(function () {
  function apply(root) {
    (root || document).querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function () { apply(document); });
  document.addEventListener("htmx:load", function (event) { apply(event.target); });
})();
