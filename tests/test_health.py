"""/health/: 200 while the database answers, 503 with Retry-After when it does not."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_health_says_ok_when_the_database_answers(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_health_is_503_while_the_database_cannot_be_reached(client):
    # A real connection attempt to a port where no PostgreSQL listens.
    settings = connection.settings_dict
    port = settings["PORT"]
    connection.close()
    settings["PORT"] = "1"
    try:
        response = client.get("/health/")
    finally:
        connection.close()
        settings["PORT"] = port
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response["Retry-After"] == "30"
    # And it recovers by itself once the database is back.
    assert client.get("/health/").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "url",
    ["/", "/positions/?topic=x", "/search/?q=labour", "/search/facets/topic/?q=labour", "/topics/"],
)
def test_every_page_is_503_while_the_database_cannot_be_reached(client, url):
    settings = connection.settings_dict
    port = settings["PORT"]
    connection.close()
    settings["PORT"] = "1"
    try:
        response = client.get(url)
    finally:
        connection.close()
        settings["PORT"] = port
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()
    assert client.get("/topics/").status_code == 200  # and back by itself


def test_the_bare_benchmark_view_is_absent_unless_asked_for(
    client, settings, django_assert_num_queries
):
    # bench/load_bench.py sets DJANGO_BENCH_VIEWS=1 for the framework's ceiling; a normal
    # server has no such page.
    settings.BENCH_VIEWS = False
    assert client.get("/bench/bare/").status_code == 404
    settings.BENCH_VIEWS = True
    with django_assert_num_queries(0):
        response = client.get("/bench/bare/")
    assert (response.status_code, response.content) == (200, b"ok")
    assert client.post("/bench/bare/").status_code == 405
