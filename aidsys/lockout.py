"""Sign-in lockout (django-axes): per account and address, and per address across accounts.

AXES_LOCKOUT_PARAMETERS names two groups: the username together with the address, then the
address alone. Axes measures both against one limit; here the address alone has its own, higher
limit (AIDSYS_LOGIN_ADDRESS_FAILURE_LIMIT), since a school's teachers share one address. So:
five wrong passwords for one account from one address lock that account from that address only
(nobody elsewhere can lock a teacher out), and one address that tries many accounts is stopped too.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (_failures(attempts) for attempts in self.get_user_attempts(request, credentials))
        if by_address >= settings.AIDSYS_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A sign-in clears that account's failures from that address, not the other accounts' ones:
        whoever holds one account cannot clear an address's count by signing in."""
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_attempts.delete()
        return count
