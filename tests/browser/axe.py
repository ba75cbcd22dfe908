"""axe-core over every page the browser tests visit (issue 15 item 11).

The axe script (npm devDependency `axe-core`) is put into every document of
the page before its own scripts run; once the document has loaded (and once
the diagram, drawn later by bpmn-js, says it is ready) axe checks it and the
violations are reported back to the test.  A test checks again after a change
made by script (an error summary, a details element opened) with
`check(page)`; the fixture checks the last state at teardown, and the test
fails listing every violation: rule, impact, target and URL."""
import json
from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.2 A and AA, which the GOV.UK Service Manual asks for, and axe's best
# practices (landmarks, one h1, headings in order)
RUN_OPTIONS = {"runOnly": {"type": "tag",
                           "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
               "resultTypes": ["violations"],
               # GOV.UK Frontend's conditional reveal puts aria-expanded on the radio or
               # checkbox that shows the follow-up question; ARIA 1.2 does not list it for
               # those roles, a known false positive (alphagov/govuk-frontend#979,
               # w3c/aria#1404).  Allowed for those two roles only: any other attribute
               # on them, and aria-expanded anywhere else it is not allowed, still fail.
               "checks": {"aria-allowed-attr": {"options": {"radio": ["aria-expanded"],
                                                            "checkbox": ["aria-expanded"]}}}}

# Runs in the page.  Only HTML documents (not a JSON answer, a CSV or a PDF
# shown by the browser).  Checks are queued one after another: axe refuses to
# run twice at once.
_IN_PAGE = """
(() => {
  const options = %(options)s;
  const here = () => location.origin + location.pathname + location.search;
  let queue = Promise.resolve();
  window.__caseflowAxe = () => {
    if (document.contentType !== 'text/html') return Promise.resolve([]);
    const run = queue.then(() => window.axe.run(document, options)).then(results =>
      results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, url: here(),
                                    targets: v.nodes.map(n => n.target.join(' '))})));
    queue = run.catch(() => null);
    return run;
  };
  const report = () => window.__caseflowAxe().then(
    found => window._axeViolations(found, here()),
    e => window._axeViolations([{id: 'axe-error', impact: 'error', help: String(e), url: here(), targets: []}]));
  window.addEventListener('load', () => {
    report();
    // the diagram (bpmn-js) is drawn after the load and marks itself ready
    const diagram = document.getElementById('diagram');
    if (!diagram) return;
    new MutationObserver((changes, observer) => {
      if (diagram.getAttribute('data-ready') === 'true') { observer.disconnect(); report(); }
    }).observe(diagram, {attributes: true, attributeFilter: ['data-ready']});
  });
})();
"""


class AxeRecorder:
    """The violations met on one page, each (rule, target, URL) once."""

    def __init__(self):
        self.found: dict[tuple, dict] = {}
        self.checked: list[str] = []   # the pages checked, in order (to see what a test covered)

    def add(self, violations, url: str | None = None) -> None:
        if url:
            self.checked.append(url)
        for v in violations or []:
            for target in v["targets"] or [""]:
                self.found.setdefault((v["id"], target, v["url"]), v)

    def lines(self) -> list[str]:
        return [f"{v['id']} ({v['impact']}): {target} at {url} — {v['help']}"
                for (_, target, url), v in self.found.items()]


def install(page) -> AxeRecorder:
    """Check every document `page` loads; returns the recorder the teardown reads."""
    recorder = AxeRecorder()
    page.expose_function("_axeViolations", recorder.add)
    page.add_init_script(path=str(AXE_SCRIPT))
    page.add_init_script(_IN_PAGE % {"options": json.dumps(RUN_OPTIONS)})
    page._caseflow_axe = recorder   # so check(page) finds it
    return recorder


def check(page) -> None:
    """Check the page as it is now (after a change made by script)."""
    page.wait_for_load_state("load")
    page._caseflow_axe.add(page.evaluate("() => window.__caseflowAxe ? window.__caseflowAxe() : []"), page.url)
