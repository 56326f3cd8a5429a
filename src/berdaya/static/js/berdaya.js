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
  if (window.berdayaAdoptLimits) { window.berdayaAdoptLimits(card); }
  var first = card.querySelector("input, select");
  if (first) { first.focus(); }
});
// A form that came back with errors: move to the summary at the top (screen readers announce it), and let its links
// put the cursor in the field they name.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
});
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) { return; }
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) { return; }
  event.preventDefault();
  var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
  target.scrollIntoView({ block: "center" });
  (input || target).focus({ preventScroll: true });
});
// Text limits: a browser given maxlength cuts a longer paste without a word. Take the limit over instead: show how
// much is left once the text nears it, mark the field when it is over, and let the server refuse it with a message.
(function () {
  var words = {
    id: function (n, max) { return n > max ? n + " dari paling banyak " + max + " karakter: terlalu panjang, persingkat." : n + " dari paling banyak " + max + " karakter."; },
    en: function (n, max) { return n > max ? n + " of at most " + max + " characters: too long, please shorten." : n + " of at most " + max + " characters."; }
  };
  function say(n, max) {
    var lang = (document.documentElement.lang || "id").slice(0, 2);
    return (words[lang] || words.id)(n, max);
  }
  function update(field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    var counter = document.getElementById(field.id + "-count");
    var n = field.value.length;
    // Short codes (NIK, RT, phone) only speak up when over; free text from four fifths of its limit.
    counter.hidden = n <= max && (max < 40 || n < max * 0.8);
    counter.textContent = say(n, max);
    counter.classList.toggle("text-danger", n > max);
    field.classList.toggle("is-invalid", n > max);
  }
  function adopt(root) {
    root.querySelectorAll("input[maxlength][id], textarea[maxlength][id]").forEach(function (field) {
      if (field.type !== "text" && field.type !== "textarea" && field.type !== "search") { return; }
      field.setAttribute("data-maxlength", field.getAttribute("maxlength"));
      field.removeAttribute("maxlength");
      var counter = document.createElement("div");
      counter.id = field.id + "-count";
      counter.className = "form-text maxlength-count";
      counter.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      update(field);
    });
  }
  window.berdayaAdoptLimits = adopt;
  document.addEventListener("DOMContentLoaded", function () { adopt(document); });
  document.addEventListener("htmx:afterSwap", function (event) { adopt(event.target); });
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-maxlength")) { update(event.target); }
  });
})();
