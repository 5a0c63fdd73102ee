// A refused form: the page opens on its summary of errors (at the top, where the eye is, so that a
// phone shows it) with the cursor already in the first field in error, without scrolling the summary
// away; when no field is in error (only the form as a whole), on the summary itself.
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
    var first = document.querySelector("form [aria-invalid='true'], form .is-invalid");
    if (summary) {
      if (first) {
        first.focus({ preventScroll: true });
      } else {
        summary.focus({ preventScroll: true });
      }
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
    if (first) first.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnErrors);
  } else {
    openOnErrors();
  }
})();
