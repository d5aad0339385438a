/* Application sections: autosave while typing, live totals, "Add a row".
 *
 * Works on the form marked data-autosave. About two seconds after the last keystroke
 * (or soon after a change) the whole section is posted with the header HX-Request;
 * the server answers JSON: 200 saved (with the new version), 409 conflict (someone
 * else saved this section; nothing is overwritten), 422 values to correct. A failed or
 * offline save is retried; what was typed stays in the page until it is saved.
 */
(function () {
  "use strict";

  const TYPING_DELAY = 2000;
  const CHANGE_DELAY = 600;
  const FIRST_RETRY = 5000;
  const LAST_RETRY = 60000;

  function number(value) {
    const parsed = parseFloat(String(value || "").replace(",", "."));
    return Number.isFinite(parsed) ? parsed : 0;
  }

  function money(value) {
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
  }

  function updateBudget(form) {
    const totalOut = form.querySelector("[data-budget-total]");
    if (!totalOut) return;
    let total = 0;
    form.querySelectorAll("[data-rows] [data-row]").forEach(function (row) {
      const quantity = row.querySelector('[data-budget="quantity"]');
      const unitCost = row.querySelector('[data-budget="unit-cost"]');
      const output = row.querySelector("[data-line-total]");
      const removed = row.querySelector('input[name$="-DELETE"]');
      if (!quantity || !unitCost) return;
      const line = Math.round(number(quantity.value) * number(unitCost.value) * 100) / 100;
      if (output) output.textContent = quantity.value && unitCost.value ? money(line) : "—";
      if (!(removed && removed.checked)) total += line;
    });
    const cofinancing =
      number((form.elements.cofinancing_local_budget || {}).value) +
      number((form.elements.cofinancing_other || {}).value);
    totalOut.textContent = money(total);
    const cofinancingOut = form.querySelector("[data-budget-cofinancing]");
    if (cofinancingOut) cofinancingOut.textContent = money(cofinancing);
    const requestedOut = form.querySelector("[data-budget-requested]");
    if (requestedOut) requestedOut.textContent = money(total - cofinancing);
  }

  function updateBeneficiaries(form) {
    const output = form.querySelector("[data-beneficiaries-total]");
    if (!output) return;
    let total = 0;
    form.querySelectorAll("[data-beneficiaries]").forEach(function (input) {
      total += Math.max(0, Math.floor(number(input.value)));
    });
    output.textContent = String(total);
  }

  function setUpRows(form, onAdded) {
    const button = form.querySelector("[data-add-row]");
    const template = document.getElementById("row-template");
    const rows = form.querySelector("[data-rows]");
    const totalForms = form.querySelector('input[name$="-TOTAL_FORMS"]');
    if (!button || !template || !rows || !totalForms) return;
    button.hidden = false;
    const hint = form.querySelector("[data-no-js-hint]");
    if (hint) hint.hidden = true;
    button.addEventListener("click", function () {
      const index = parseInt(totalForms.value, 10) || 0;
      const holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      const row = holder.firstElementChild;
      const legend = row.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.trim() + " " + (index + 1);
      rows.appendChild(row);
      totalForms.value = String(index + 1);
      if (window.htmx) window.htmx.process(row);
      const first = row.querySelector("input, select, textarea");
      if (first) first.focus();
      onAdded();
    });
  }

  function setUpAutosave(form) {
    const status = document.getElementById("autosave-status");
    const version = form.querySelector('input[name="base_version"]');
    const reviewButton = form.querySelector("[data-review-conflict]");
    let timer = null;
    let inFlight = false;
    let unsaved = false;
    let stopped = form.hasAttribute("data-conflict");
    let retryDelay = FIRST_RETRY;

    function say(message, kind) {
      if (!status) return;
      status.textContent = message || "";
      status.classList.toggle("is-error", kind === "error");
      status.classList.toggle("is-saved", kind === "saved");
    }

    function schedule(delay) {
      if (stopped) return;
      unsaved = true;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, delay);
    }

    function retryLater() {
      say(status && status.dataset.retry, "error");
      window.clearTimeout(timer);
      timer = window.setTimeout(save, retryDelay);
      retryDelay = Math.min(retryDelay * 2, LAST_RETRY);
    }

    function save() {
      if (stopped || !unsaved) return;
      if (inFlight) {
        schedule(CHANGE_DELAY);
        return;
      }
      if (navigator.onLine === false) {
        retryLater();
        return;
      }
      inFlight = true;
      unsaved = false;
      say(status && status.dataset.saving);
      fetch(form.dataset.autosave, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "HX-Request": "true", Accept: "application/json" },
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (body) {
              return { status: response.status, body: body };
            });
        })
        .then(function (result) {
          inFlight = false;
          const body = result.body;
          if (result.status === 200) {
            retryDelay = FIRST_RETRY;
            if (version && body.version !== undefined) version.value = String(body.version);
            say(body.message, "saved");
          } else if (result.status === 409) {
            stopped = true;
            say(body.message, "error");
            if (reviewButton) reviewButton.hidden = false;
          } else if (result.status === 422) {
            say(body.message, "error");
          } else if (result.status === 403) {
            stopped = true;
            say(body.message || status.dataset.retry, "error");
          } else {
            unsaved = true;
            retryLater();
          }
        })
        .catch(function () {
          inFlight = false;
          unsaved = true;
          retryLater();
        });
    }

    form.addEventListener("input", function (event) {
      if (event.target.type === "file") return;
      if (!stopped) say(status && status.dataset.pending);
      schedule(TYPING_DELAY);
    });
    form.addEventListener("change", function (event) {
      if (event.target.type === "file") return;
      schedule(CHANGE_DELAY);
    });
    form.addEventListener("submit", function () {
      // A normal save takes over: no autosave may race it.
      stopped = true;
      unsaved = false;
      window.clearTimeout(timer);
    });
    window.addEventListener("online", function () {
      if (unsaved) save();
    });
    window.addEventListener("beforeunload", function (event) {
      if (unsaved || inFlight) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form[data-autosave]");
    if (!form) return;
    setUpAutosave(form);
    setUpRows(form, function () {
      updateBudget(form);
    });
    form.addEventListener("input", function () {
      updateBudget(form);
      updateBeneficiaries(form);
    });
    form.addEventListener("change", function () {
      updateBudget(form);
    });
  });
})();
