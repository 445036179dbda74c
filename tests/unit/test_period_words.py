"""A bad period typed or chosen in a reporting view is refused in English and Thai."""
import pytest

from services.gateway.api.common import ApiError
from services.gateway.api.reporting import checked_period


@pytest.mark.parametrize("period", ["FY2567-Q5", "2567-01", "soon"])
def test_a_bad_period_is_refused_in_english_and_thai(period):
    with pytest.raises(ApiError) as refused:
        checked_period(period)
    assert refused.value.status == 400
    assert "FY2567-Q2" in refused.value.message and "ไม่ใช่รหัสงวดที่ใช้ได้" in refused.value.message
