"""Domain rules for the caseflow BPMN processes (pure Python, no I/O beyond packaged data)."""
