// Progressive enhancement only: every page works without this script.
import { initAll } from "./govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout-warning.mjs";

initAll();
initTimeoutWarning(document.querySelector('[data-module="eqia-timeout-warning"]'));

// Radios that reveal follow-up questions. GOV.UK Frontend (6.3) marks such a radio with
// aria-expanded, which ARIA does not allow on a radio (alphagov/govuk-frontend#979), so axe
// fails the page (aria-allowed-attr, WCAG 4.1.2), and some screen readers, JAWS among them,
// do not pass it on (#1972). So the attribute comes off again (checkboxes may carry it, so
// theirs stay), and what it was for is said another way: when choosing a radio reveals
// questions, a status message, which screen readers announce, names them ("Follow-up
// question shown: …"). The questions still come straight after their radio, which points at
// them with aria-controls.
const expandedRadios = ".govuk-radios__input[aria-expanded]";

function removeExpandedFromRadios() {
  for (const radio of document.querySelectorAll(expandedRadios)) {
    radio.removeAttribute("aria-expanded");
  }
}

removeExpandedFromRadios();
new MutationObserver(removeExpandedFromRadios).observe(document.body, {
  subtree: true,
  attributeFilter: ["aria-expanded"],
});

// A live region must be on the page before it speaks, so it is added now and filled later.
const status = document.createElement("div");
status.id = "eqia-reveal-status";
status.className = "govuk-visually-hidden";
status.setAttribute("role", "status");
document.body.append(status);

function questionsIn(panel) {
  const names = [];
  for (const group of panel.querySelectorAll(":scope > .govuk-form-group")) {
    const name = group.querySelector(".govuk-fieldset__legend, .govuk-label");
    if (name) names.push(name.textContent.replace(/\s+/g, " ").trim());
  }
  return names;
}

function say(message) {
  // Emptied first, so the same message chosen twice is said twice.
  status.textContent = "";
  if (message) setTimeout(() => (status.textContent = message), 100);
}

document.addEventListener("change", (event) => {
  const radio = event.target;
  if (!(radio instanceof HTMLInputElement) || radio.type !== "radio" || !radio.checked) return;
  const target = radio.getAttribute("aria-controls");
  const panel = target && document.getElementById(target);
  const names = panel?.classList.contains("govuk-radios__conditional") ? questionsIn(panel) : [];
  if (names.length === 0) {
    say("");
  } else if (names.length === 1) {
    say(`Follow-up question shown: ${names[0]}`);
  } else {
    say(`Follow-up questions shown: ${names.join("; ")}`);
  }
});
