// Scoring page: the weighted total follows the scores as they are typed, and
// submitting asks for confirmation. Each score input carries its criterion's weight
// and maximum (data-weight, data-max); the total is the sum of weight x points / max,
// on 0-100, the same formula the server applies on every save (grants.scoring).
(function () {
  "use strict";

  function pointsOf(input) {
    const raw = input.value.trim();
    if (raw === "" || !/^\d+$/.test(raw)) {
      return null;
    }
    const points = Number(raw);
    const max = Number(input.dataset.max);
    return points <= max ? points : null;
  }

  function recompute(form) {
    const output = form.querySelector("[data-weighted-total]");
    if (!output) {
      return;
    }
    let hundredths = 0;
    form.querySelectorAll("input[data-weight][data-max]").forEach(function (input) {
      const points = pointsOf(input);
      const outOfRange = input.value.trim() !== "" && points === null;
      input.classList.toggle("is-invalid", outOfRange);
      input.setAttribute("aria-invalid", outOfRange ? "true" : "false");
      if (points !== null) {
        // In hundredths, so that 30 x 7 / 10 stays exact.
        hundredths += (Number(input.dataset.weight) * points * 100) / Number(input.dataset.max);
      }
    });
    output.textContent = (Math.round(hundredths) / 100).toFixed(2);
  }

  function setUp() {
    document.querySelectorAll("[data-scoring-form]").forEach(function (form) {
      form.addEventListener("input", function () {
        recompute(form);
      });
      form.addEventListener("submit", function (event) {
        const button = event.submitter;
        const message = button && button.dataset.confirm;
        if (message && !window.confirm(message)) {
          event.preventDefault();
        }
      });
      recompute(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
