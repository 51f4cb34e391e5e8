// Initialise NHS.UK frontend components (header menu, error summary focus,
// conditional reveals, character counts, tabs, etc.).
// Load with: <script type="module" src="{{ static('kbs/init.js') }}"></script>
// Module scripts are deferred, so the DOM is parsed before this runs.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
