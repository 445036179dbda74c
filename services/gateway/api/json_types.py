"""A JSON body's types checked against the marshmallow schema its OpenAPI schema is made from:
what the document says is a boolean, a whole number, a number or a text must be one as sent.

marshmallow itself is lenient at loading (``"2567"`` and ``2567.0`` are an Integer, ``0`` and
``"yes"`` a Boolean); /openapi.json says ``integer`` and ``boolean``. The gateway holds bodies
to what it documents before a service sees them, naming every field that is of another type.
Types, the required and unknown fields of nested objects and the enums of the top-level fields
named in ``enums`` - what a service may drop before it would check it, since it sets it itself (a
new plan's ``status`` and ``revision``). The services keep every other rule (ranges, enums, unknown
keys, the body's own required fields) and name every problem at once."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from .common import ApiError

_KINDS = (  # (field class, what JSON value it takes, its name in a message): first match wins
    (fields.Boolean, lambda v: isinstance(v, bool), "true or false"),
    (fields.Integer, lambda v: not isinstance(v, bool) and (
        isinstance(v, int) or (isinstance(v, float) and v.is_integer())), "a whole number"),
    (fields.Number, lambda v: not isinstance(v, bool) and isinstance(v, (int, float)), "a number"),
    (fields.String, lambda v: isinstance(v, str), "text"),
)


def check(schema: Schema | type[Schema], body, what: str = "the body", enums=()) -> None:
    """400 naming every field of ``body`` whose JSON type the schema does not allow, and every
    top-level field of ``enums`` with a value its enum does not have."""
    problems: list[str] = []
    schema = schema() if isinstance(schema, type) else schema
    _object(schema, body, what, problems, top=True)
    for name in enums if isinstance(body, dict) else ():
        value = body.get(name)
        for rule in schema.fields[name].validators:  # documented as an enum
            if value is not None and isinstance(rule, validate.OneOf) and value not in rule.choices:
                problems.append(f"{what}.{name} must be one of {', '.join(map(str, rule.choices))}")
    if problems:
        shown = "; ".join(problems[:20]) + (f" (and {len(problems) - 20} more)"
                                              if len(problems) > 20 else "")
        raise ApiError(400, "bad_request", f"wrong type: {shown}")


def _object(schema: Schema, value, where: str, problems: list[str], top: bool = False) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where} must be an object")
        return
    if not top and schema.unknown == RAISE:
        known = {field.data_key or name for name, field in schema.fields.items()}
        problems += [f"{where}.{key} is not a field" for key in value if key not in known]
    for name, field in schema.fields.items():
        if field.required and not top and (field.data_key or name) not in value:
            problems.append(f"{where}.{field.data_key or name} is missing")
        if (field.data_key or name) in value:
            _value(field, value[field.data_key or name], f"{where}.{field.data_key or name}",
                   problems)


def _value(field: fields.Field, value, where: str, problems: list[str]) -> None:
    if value is None:
        if not field.allow_none:
            problems.append(f"{where} may not be null")
        return
    if isinstance(field, fields.Nested):
        schema = field.schema
        if field.many:
            if not isinstance(value, list):
                problems.append(f"{where} must be a list")
                return
            for i, item in enumerate(value):
                _object(schema, item, f"{where}[{i}]", problems)
        else:
            _object(schema, value, where, problems)
    elif isinstance(field, fields.List):
        if not isinstance(value, list):
            problems.append(f"{where} must be a list")
            return
        for i, item in enumerate(value):
            _value(field.inner, item, f"{where}[{i}]", problems)
    elif isinstance(field, fields.Dict):
        if not isinstance(value, dict):
            problems.append(f"{where} must be an object")
        elif field.value_field is not None:
            for key, item in value.items():
                _value(field.value_field, item, f"{where}.{key}", problems)
    else:
        for kind, fits, name in _KINDS:
            if isinstance(field, kind):
                if not fits(value):
                    problems.append(f"{where} must be {name}")
                return
