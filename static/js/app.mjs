// Progressive enhancement only: every page works without this script.
import { initAll } from "./govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout-warning.mjs";

initAll();
initTimeoutWarning(document.querySelector('[data-module="eqia-timeout-warning"]'));

// GOV.UK Frontend marks a radio that reveals follow-up questions with aria-expanded, which
// ARIA does not allow on a radio (alphagov/govuk-frontend#979), so axe fails the page (WCAG
// 4.1.2). The follow-up questions still come straight after their radio, which names them
// with aria-controls. Checkboxes may carry aria-expanded, so theirs stay.
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
