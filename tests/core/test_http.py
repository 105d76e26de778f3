"""Headers on every response, errors without tracebacks, health check, language switch."""


def test_security_headers_on_pages(client):
    response = client.get("/login")
    h = response.headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


def test_unknown_page_is_a_friendly_404_without_traceback(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "页面不存在" in body and "Traceback" not in body


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_healthz_reports_the_database(client):
    body = client.get("/healthz").get_json()
    assert body["database"] == "ok" and body["backend"] in ("sqlite", "postgresql")


def test_language_switch_to_english_and_back(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and 'lang="en"' in page
    response = client.post("/lang", data={"lang": "zh_CN", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
