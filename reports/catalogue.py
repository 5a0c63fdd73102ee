"""The reports this module brings, registered in reports.definitions.REPORTS when the app is ready.

(The 受助学生名单 registers itself from its own module.)
"""

from reports.definitions import register
from reports.selectors import annual, checks, gaps, leftovers, payments, progress

for module in (payments, progress, annual, gaps, checks, leftovers):
    register(module.report)
