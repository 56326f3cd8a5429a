// Berdaya: the little behaviour the pages need, without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-print]");
  if (el) { event.preventDefault(); window.print(); }
});
// One-page household registration: add another member form from the <template>, renumbering the formset.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-member]");
  if (!button) { return; }
  var prefix = button.getAttribute("data-prefix");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var index = parseInt(total.value, 10);
  var html = document.getElementById("member-template").innerHTML.replace(/__prefix__/g, String(index));
  var holder = document.createElement("div");
  holder.innerHTML = html;
  var card = holder.firstElementChild;
  card.querySelector(".member-no").textContent = String(index + 1);
  document.getElementById("members").appendChild(card);
  total.value = String(index + 1);
  var first = card.querySelector("input, select");
  if (first) { first.focus(); }
});
