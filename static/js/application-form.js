/* Application sections: autosave while typing, live totals, "Add a row".
 *
 * Works on the form marked data-autosave. About two seconds after the last keystroke
 * (or soon after a change) the whole section is posted with the header HX-Request;
 * the server answers JSON: 200 saved (with the new version), 409 conflict (someone
 * else saved this section; nothing is overwritten), 422 values to correct. A failed or
 * offline save is retried; what was typed stays in the page until it is saved.
 *
 * Signed out meanwhile (the session was idle too long): the server answers 401 (or 403
 * when the page's form token is older than a new sign-in) with a message and a link.
 * The values are kept in this browser (localStorage, keyed by the form's address), the
 * message says so with the link to sign in again, which comes back to this form; there
 * the kept values are put back and saved, and forgotten once saved.
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

  // --- values kept in this browser while signed out ------------------------------

  function draftKey(form) {
    return "grant-portal:draft:" + form.dataset.autosave;
  }

  function readDraft(form) {
    try {
      const draft = JSON.parse(window.localStorage.getItem(draftKey(form)) || "null");
      return draft && Array.isArray(draft.fields) ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function formFields(form) {
    const fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || typeof value !== "string") return;
      fields.push([name, value]);
    });
    return fields;
  }

  function sameAsPage(form, draft) {
    // The page already shows these values (a save went through): nothing to restore.
    // Versions, row ids and the formset's counters change with every save.
    const bookkeeping = /^base_version$|-(id|TOTAL_FORMS|INITIAL_FORMS|MIN_NUM_FORMS|MAX_NUM_FORMS)$/;
    function typed(fields) {
      return JSON.stringify(
        fields.filter(function (pair) {
          return !bookkeeping.test(pair[0]);
        })
      );
    }
    return typed(formFields(form)) === typed(draft.fields);
  }

  function cameFromSignIn() {
    return /\/accounts\/(login|2fa\/authenticate)\//.test(document.referrer);
  }

  function keepDraft(form, restoredMessage, submitted) {
    const fields = formFields(form);
    try {
      window.localStorage.setItem(
        draftKey(form),
        JSON.stringify({
          fields: fields,
          restored: restoredMessage || "",
          submitted: Boolean(submitted),
          kept: Date.now(),
        })
      );
      return true;
    } catch (error) {
      return false; // storage full or disabled: the page still holds the values
    }
  }

  function forgetDraft(form) {
    try {
      window.localStorage.removeItem(draftKey(form));
    } catch (error) {
      /* nothing kept */
    }
  }

  function restoreDraft(form, draft) {
    const values = {};
    draft.fields.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    // Rows added with "Add a row" before signing out are added again first.
    const totalForms = form.querySelector('input[name$="-TOTAL_FORMS"]');
    const addRow = form.querySelector("[data-add-row]");
    if (totalForms && addRow && values[totalForms.name]) {
      const wanted = parseInt(values[totalForms.name][0], 10) || 0;
      let guard = 100;
      while ((parseInt(totalForms.value, 10) || 0) < wanted && guard-- > 0) addRow.click();
    }
    Object.keys(values).forEach(function (name) {
      const kept = values[name];
      const field = form.elements[name];
      if (!field) return;
      const inputs = field instanceof Element ? [field] : Array.prototype.slice.call(field);
      inputs.forEach(function (input, index) {
        if (input.type === "file") return;
        if (input.type === "checkbox" || input.type === "radio") {
          input.checked = kept.indexOf(input.value) !== -1;
        } else if (input.multiple && input.options) {
          Array.prototype.forEach.call(input.options, function (option) {
            option.selected = kept.indexOf(option.value) !== -1;
          });
        } else if (index < kept.length) {
          input.value = kept[index];
        }
      });
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
    let signedOut = null; // the server's answer while the values wait in this browser
    let retryDelay = FIRST_RETRY;

    function say(message, kind) {
      if (!status) return;
      status.textContent = message || "";
      status.classList.toggle("is-error", kind === "error");
      status.classList.toggle("is-saved", kind === "saved");
    }

    function sayWithLink(message, href, linkText) {
      say(message + " ", "error");
      if (!status || !href) return;
      const link = document.createElement("a");
      link.href = href;
      link.textContent = linkText || href;
      link.setAttribute("data-sign-in-again", "");
      status.appendChild(link);
    }

    function holdUntilSignedIn(body) {
      // Kept in this browser: leaving for the login page loses nothing.
      stopped = true;
      signedOut = body;
      window.clearTimeout(timer);
      unsaved = !keepDraft(form, body.restored);
      sayWithLink(body.message, body.link, body.link_text);
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
          if (result.status === 200 && body.status === "saved") {
            retryDelay = FIRST_RETRY;
            if (version && body.version !== undefined) version.value = String(body.version);
            forgetDraft(form);
            say(body.message, "saved");
          } else if ((result.status === 401 || result.status === 403) && body.link) {
            holdUntilSignedIn(body);
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
      if (signedOut) {
        keepDraft(form, signedOut.restored);
        return;
      }
      if (!stopped) say(status && status.dataset.pending);
      schedule(TYPING_DELAY);
    });
    form.addEventListener("change", function (event) {
      if (event.target.type === "file") return;
      if (signedOut) {
        keepDraft(form, signedOut.restored);
        return;
      }
      schedule(CHANGE_DELAY);
    });
    form.addEventListener("submit", function () {
      // A normal save takes over: no autosave may race it. The values are kept too, in
      // case the session has ended and the save meets the login page instead; the next
      // load of this form forgets them if it shows them already.
      stopped = true;
      unsaved = false;
      window.clearTimeout(timer);
      keepDraft(form, signedOut ? signedOut.restored : "", true);
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

    // Values kept while signed out: put them back and save them now. Values kept when
    // the Save button was pressed come back only if that save met the login page.
    const draft = readDraft(form);
    const lost = draft && (!draft.submitted || cameFromSignIn());
    if (draft && lost && !stopped && !sameAsPage(form, draft)) {
      restoreDraft(form, draft);
      updateBudget(form);
      updateBeneficiaries(form);
      say(draft.restored);
      unsaved = true;
      save();
    } else if (draft) {
      forgetDraft(form); // saved already, or a conflict page showing both versions
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form[data-autosave]");
    if (!form) return;
    // Rows first: restoring kept values may need to add rows.
    setUpRows(form, function () {
      updateBudget(form);
    });
    setUpAutosave(form);
    form.addEventListener("input", function () {
      updateBudget(form);
      updateBeneficiaries(form);
    });
    form.addEventListener("change", function () {
      updateBudget(form);
    });
  });
})();
