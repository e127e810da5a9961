"""A service's refusal put onto a form (lijiao.core.forms): field by field, as one message, and what propagates."""

from __future__ import annotations

import pytest
from django import forms

from lijiao.core.errors import DomainError, NotFound, PermissionDenied
from lijiao.core.forms import apply_domain_error, service_errors_on


class NameForm(forms.Form):
    name = forms.CharField()
    phone = forms.CharField(required=False)


def valid_form() -> NameForm:
    form = NameForm({"name": "张三", "phone": ""})
    assert form.is_valid()
    return form


REFUSAL = DomainError.for_fields(
    "信息有误（invalid）",
    {"name": "姓名与身份证号登记的不符", "citizen_id": "身份证号已登记", "__all__": "请核对"},
)


def test_field_errors_go_onto_their_fields_and_the_rest_onto_the_form() -> None:
    form = valid_form()
    apply_domain_error(form, REFUSAL)
    assert form.errors["name"] == ["姓名与身份证号登记的不符"]
    assert form.non_field_errors() == ["身份证号已登记", "请核对"]
    assert "phone" not in form.errors


def test_a_refusal_without_field_errors_or_named_whole_is_its_message() -> None:
    form = valid_form()
    apply_domain_error(form, DomainError("本班已满（the class is full）", code="full"))
    assert form.non_field_errors() == ["本班已满（the class is full）"]
    form = valid_form()
    apply_domain_error(form, REFUSAL, whole_message_codes=("invalid",))
    assert form.non_field_errors() == ["信息有误（invalid）"] and "name" not in form.errors


def test_service_errors_on_leaves_the_block_and_keeps_the_refusal_on_the_form() -> None:
    form = valid_form()
    reached = []
    with service_errors_on(form):
        reached.append("before")
        raise REFUSAL
    assert reached == ["before"]
    assert form.errors["name"] == ["姓名与身份证号登记的不符"]
    with service_errors_on(form):  # nothing raised: nothing added
        reached.append("clean")
    assert reached == ["before", "clean"] and len(form.non_field_errors()) == 2


def test_service_errors_on_shows_a_whole_message_when_asked() -> None:
    form = valid_form()
    with service_errors_on(form, whole_message_codes=("not_eligible",)):
        raise DomainError.for_fields(
            "不符合条件：年龄不足16周岁", {"age": "年龄不足16周岁"}, code="not_eligible"
        )
    assert form.non_field_errors() == ["不符合条件：年龄不足16周岁"]


@pytest.mark.parametrize(
    "error", [PermissionDenied(), ValueError("a bug")], ids=["permission", "not a refusal"]
)
def test_permission_refusals_and_other_exceptions_propagate(error: Exception) -> None:
    form = valid_form()
    with pytest.raises(type(error)), service_errors_on(form):
        raise error
    assert not form.errors


def test_not_found_is_a_refusal_like_any_other() -> None:
    form = valid_form()
    with service_errors_on(form):
        raise NotFound("教师不存在（not found）")
    assert form.non_field_errors() == ["教师不存在（not found）"]
