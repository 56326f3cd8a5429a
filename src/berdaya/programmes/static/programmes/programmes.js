// Berdaya programmes: the attendance tick form. No inline scripts (the CSP forbids them).
(function () {
  function form() { return document.querySelector("[data-attendance]"); }
  function count() {
    var f = form();
    if (!f) { return; }
    var n = f.querySelectorAll(".attendance-check:checked").length;
    var out = f.querySelector("[data-present-count]");
    if (out) { out.textContent = String(n); }
    f.querySelectorAll(".attendance-item").forEach(function (item) {
      var box = item.querySelector(".attendance-check");
      item.classList.toggle("is-present", box && box.checked);
    });
  }
  function setAll(value) {
    var f = form();
    if (!f) { return; }
    f.querySelectorAll(".attendance-check").forEach(function (box) { box.checked = value; });
    count();
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-check-all]")) { setAll(true); }
    if (event.target.closest("[data-check-none]")) { setAll(false); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches(".attendance-check")) { count(); }
  });
  document.addEventListener("DOMContentLoaded", count);
})();
