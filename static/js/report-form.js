/* Progress report sections: live sums beside the figures.
 *
 * Autosave is application-form.js's (same markup contract: form[data-autosave],
 * base_version, #autosave-status), keeping what was typed in the browser when the
 * session has ended and saving it after the next sign-in. This file only helps while
 * typing:
 * - an indicator split by sex and age shows women + men + girls + boys and says when
 *   the sum does not match the value (the server refuses a mismatch with a message);
 * - a budget line shows its running total (accepted reports + this one) and an
 *   "Over budget" warning, which is a warning only.
 */
(function () {
  "use strict";

  function number(value) {
    const parsed = parseFloat(String(value || "").replace(/\s/g, "").replace(",", "."));
    return Number.isFinite(parsed) ? parsed : 0;
  }

  function money(value) {
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
  }

  function updateIndicator(row) {
    const output = row.querySelector("[data-sum-message]");
    if (!output) return;
    const parts = row.querySelectorAll("[data-indicator-part]");
    const value = row.querySelector("[data-indicator-value]");
    let sum = 0;
    let any = false;
    parts.forEach(function (input) {
      if (input.value !== "") any = true;
      sum += Math.max(0, Math.floor(number(input.value)));
    });
    if (!any) {
      output.textContent = "";
      output.classList.remove("is-mismatch");
      return;
    }
    let text = output.dataset.template.replace("{sum}", String(sum));
    const mismatch = value && value.value !== "" && number(value.value) !== sum;
    if (mismatch) text += " — " + output.dataset.mismatch;
    output.textContent = text;
    output.classList.toggle("is-mismatch", Boolean(mismatch));
  }

  function updateSpending(row) {
    const input = row.querySelector("[data-amount]");
    const output = row.querySelector("[data-running]");
    const warning = row.querySelector("[data-over-budget]");
    if (!input || !output) return;
    const running = number(row.dataset.accepted) + number(input.value);
    output.textContent = money(running);
    if (warning) warning.hidden = !(running > number(row.dataset.budget) + 0.0001);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form.report-section");
    if (!form) return;
    form.querySelectorAll("[data-indicator-row]").forEach(updateIndicator);
    form.querySelectorAll("[data-spending-row]").forEach(updateSpending);
    form.addEventListener("input", function (event) {
      const indicator = event.target.closest("[data-indicator-row]");
      if (indicator) updateIndicator(indicator);
      const spending = event.target.closest("[data-spending-row]");
      if (spending) updateSpending(spending);
    });
  });
})();
