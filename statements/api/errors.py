"""The API's errors: always JSON, {"errors": [{"parameter", "value", "message"}]}, naming the
parameter at fault for a 400 (never a 500 for a bad query string)."""

from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class BadParameters(APIException):
    """A query string that names an unknown or malformed value."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, errors):
        # FilterErrors, whose `parameter` reads "name=value" or "name".
        self.errors = errors
        super().__init__("; ".join(f"{e.parameter}: {e.message}" for e in errors))


def bad_parameter(name, value, message):
    return BadParameters([_Error(name, value, message)])


class _Error:
    def __init__(self, name, value, message):
        self.parameter = f"{name}={value}" if value not in (None, "") else name
        self.message = message


def as_json(error):
    name, _, value = error.parameter.partition("=")
    return {"parameter": name, "value": value or None, "message": str(error.message)}


def exception_handler(exc, context):
    if isinstance(exc, BadParameters):
        return Response({"errors": [as_json(e) for e in exc.errors]}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {
            "errors": [{"parameter": None, "value": None, "message": str(detail or exc)}]
        }
    return response
