"""When reports are due: the admin's number of days, else the default - and 0 is the admin's
choice too (due the day the period ends), not "unset"."""
from services.reporting import handlers
from services.reporting.timeliness import DEFAULT_DUE_DAYS


class Meta:
    def __init__(self):
        self.kept = {}

    def get_meta(self, key):
        return self.kept.get(key)

    def set_meta(self, key, value):
        self.kept[key] = value


def test_the_default_until_the_admin_sets_it_and_zero_is_kept():
    store = Meta()
    assert handlers.due_days_of(store) == DEFAULT_DUE_DAYS
    assert handlers.set_due_days(store, 0) == 0
    assert handlers.due_days_of(store) == 0
    handlers.set_due_days(store, 30)
    assert handlers.due_days_of(store) == 30
