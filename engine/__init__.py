"""SpiffWorkflow wrapped for caseflow: deploy, run, persist, timers, audit."""
