// A refused form: the page opens on its summary of errors (at the top, where the eye is), so that a
// phone shows it and a screen reader reads it; without a summary, on the first field in error.
// A link of the summary puts the cursor in its field, with the field's label in view.
(function () {
  "use strict";

  function fieldOf(link) {
    var id = decodeURIComponent(link.hash.slice(1));
    return id ? document.getElementById(id) : null;
  }

  function labelOf(field) {
    var label = field.id ? document.querySelector('label[for="' + CSS.escape(field.id) + '"]') : null;
    return label || field.closest("fieldset") || field;
  }

  function openOnErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var field = link && fieldOf(link);
        if (!field) return;
        event.preventDefault();
        labelOf(field).scrollIntoView({ block: "center" });
        field.focus({ preventScroll: true });
      });
      return;
    }
    var first = document.querySelector("[aria-invalid='true'], .is-invalid");
    if (first) first.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnErrors);
  } else {
    openOnErrors();
  }
})();
