/* 立交: small progressive enhancements. No inline scripts anywhere (CSP): behaviour hangs on data attributes. */
(function () {
  "use strict";

  // <form data-confirm="…">: ask before submitting (deleting drafts or items).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Item form: show the subject field that fits the chosen kind (occupation + level, or special item).
  function syncKind(form) {
    var kind = form.querySelector("select[name$='kind']");
    if (!kind) return;
    var isOccupation = kind.value === "occupation";
    [["occupation", isOccupation], ["level", isOccupation], ["special_item", !isOccupation]].forEach(function (pair) {
      var input = form.querySelector("[name$='-" + pair[0] + "']");
      var field = input && input.closest(".field");
      if (field) field.hidden = !pair[1];
    });
  }

  function initItemForms(root) {
    root.querySelectorAll("form").forEach(function (form) {
      var kind = form.querySelector("select[name='item-kind']");
      if (!kind) return;
      syncKind(form);
      kind.addEventListener("change", function () { syncKind(form); });
    });
  }

  // Copy buttons: <button data-copy="#selector" data-copied="(the translated “copied”)">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = button.getAttribute("data-copied") || "已复制";
    });
  });

  document.addEventListener("DOMContentLoaded", function () { initItemForms(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initItemForms(event.target); });
})();
