// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  // Filter forms apply as soon as a select changes.
  document.querySelectorAll("form[data-auto-submit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  // A citation gets its copy button.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
  // A copy-link copies its permalink (absolute) instead of following it; without this
  // script, or without a clipboard, it stays a plain link to that permalink.
  document.querySelectorAll("a[data-copy-link]").forEach(function (link) {
    if (!navigator.clipboard) return;
    var label = link.firstChild ? link.firstChild.textContent : "";
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var url = new URL(link.getAttribute("href"), window.location.href).href;
      navigator.clipboard.writeText(url).then(function () {
        link.firstChild.textContent = "Link copied";
        setTimeout(function () { link.firstChild.textContent = label; }, 2000);
      });
    });
  });
})();
