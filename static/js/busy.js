// A form marked data-busy="正在检查，请稍候…" shows that it is working once sent: its submit button
// disables itself (a second click would send the work twice) and shows a spinner with that text.
// For work that stays in the request; longer work runs as a job whose page shows its progress.
(function () {
  "use strict";

  function busy(form, button) {
    form.dataset.busySent = "true";
    if (!button) return;
    button.dataset.busyLabel = button.innerHTML;
    button.setAttribute("aria-busy", "true");
    const spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm me-1";
    spinner.setAttribute("aria-hidden", "true");
    button.replaceChildren(spinner, document.createTextNode(form.dataset.busy || button.textContent));
    // Disabled once the submission has taken the button's name and value.
    window.setTimeout(function () { button.disabled = true; }, 0);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
    if (form.dataset.busySent === "true") {
      event.preventDefault();
      return;
    }
    busy(form, event.submitter || form.querySelector("[type=submit]"));
  });

  // Back to a page kept by the browser: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy-sent]").forEach(function (form) {
      delete form.dataset.busySent;
      form.querySelectorAll("[aria-busy=true]").forEach(function (button) {
        button.innerHTML = button.dataset.busyLabel;
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  });
})();
