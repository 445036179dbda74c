"""A number typed in a page's form or a query: only ASCII digits are one. "²" and "๒" are digits
to str.isdigit() but not to int() (or to the API): taken as a number they were a 500 - even
unsigned-in, as the approvals form is read before the login check."""
import pytest
from werkzeug.test import EnvironBuilder

from services.gateway.approval_pages import _whole
from services.gateway.problem_pages import _number_arg
from services.gateway.web import bind_address


@pytest.mark.parametrize("typed, read", [("3", 3), (" 12 ", 12), ("", None), ("²", "²"),
                                         ("๒", "๒"), ("1²", "1²")])
def test_the_approvals_form_passes_a_number_or_the_text_for_the_api_to_refuse(typed, read):
    assert _whole(typed) == read


def test_a_query_number_that_is_not_ascii_digits_is_none():
    for raw, found in (("5", 5), ("²", None), ("๕", None), ("99", None)):
        request = EnvironBuilder(query_string={"top": raw}).get_request()
        assert _number_arg(request, "top", 1, 50) == found


def test_a_port_of_other_digits_is_refused_with_its_setting():
    assert bind_address("127.0.0.1:8000") == ("127.0.0.1", 8000)
    with pytest.raises(ValueError, match="WEB_SERVER_ADDRESS"):
        bind_address("127.0.0.1:８０００")
