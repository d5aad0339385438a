"""Writes of the reporting app, one module per area:

- ``schedule``: the reports of a project's reporting schedule;
- ``reports``: the organisation's report (sections, files, submission) and staff's review
  (return, accept), with ``report_set_state``, the one place a report's state changes;
- ``reminders``: the daily reminders about reports still to send.

Import from the modules themselves (``from reporting.services.reports import ...``).
"""
