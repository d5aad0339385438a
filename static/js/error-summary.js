// When a form comes back with errors, move focus to its summary (#error-summary, which
// has tabindex="-1"), so screen reader and keyboard users land on the list of problems,
// each linked to its field.
(function () {
  "use strict";
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
