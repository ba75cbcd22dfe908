// govuk-frontend's components; a file, not an inline script, so the CSP can refuse inline scripts
import { initAll } from "./vendor/govuk/govuk-frontend.min.js";
initAll();
