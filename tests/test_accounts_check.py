"""`outreach accounts check`: the real clients against the sandbox, the media URL opened over
real HTTP from this service's web app or from moto's S3 server."""

from __future__ import annotations

import json
import os
import socket

import requests
from typer.testing import CliRunner

from outreach.cli import app

runner = CliRunner()


def check(*args: str):
    result = runner.invoke(app, ["accounts", "check", *args])
    return result


def check_json(*args: str):
    result = check(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def by_platform(found: list[dict]) -> dict[str, dict]:
    return {r["platform"]: r for r in found}


def test_healthy_accounts(db_url, sandbox_env, media_server):
    code, found = check_json()
    assert code == 0, found
    rows = by_platform(found)
    assert set(rows) == {"x", "facebook", "instagram"}
    assert all(r["ok"] and r["problems"] == [] and r["identity"] for r in found)
    ig = rows["instagram"]
    assert "instagram_content_publish" in ig["permissions"]["granted"]
    assert ig["permissions"]["missing"] == []
    media = ig["media_url"]
    assert media["store"] == "local" and media["status"] == 200
    assert media["content_type"] == "image/jpeg"
    assert media["url"].startswith(media_server + "/media/")
    assert any("local address" in n for n in ig["notes"])  # 127.0.0.1: not the internet
    assert rows["x"]["media_url"] is None and rows["facebook"]["permissions"] is None


def test_a_missing_permission_is_named(db_url, sandbox_env, media_server):
    token = os.environ["OUTREACH_INSTAGRAM_ACCESS_TOKEN"]
    requests.post(f"{sandbox_env.url}/_sandbox/permissions",
                  json={"token": token, "lacks": ["instagram_content_publish"]},
                  timeout=5).raise_for_status()
    code, found = check_json("Instagram (.env)")
    assert code == 1
    [ig] = found
    assert ig["permissions"]["missing"] == ["instagram_content_publish"]
    assert ig["problems"] == ["The token lacks the permission instagram_content_publish, "
                              "needed to publish."]
    result = check("Instagram (.env)")  # the same in words
    assert result.exit_code == 1
    assert "lacks the permission instagram_content_publish" in result.stdout
    assert token not in result.stdout


def test_an_unreachable_media_url(db_url, sandbox_env, tmp_path, monkeypatch):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()  # nothing listens there
    monkeypatch.setenv("OUTREACH_PUBLIC_BASE_URL", closed)
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    code, found = check_json()
    assert code == 1
    rows = by_platform(found)
    assert rows["x"]["ok"] and rows["facebook"]["ok"]
    ig = rows["instagram"]
    assert ig["media_url"]["status"] is None
    [problem] = ig["problems"]
    assert closed in problem and "could not be opened" in problem


def test_no_public_address_is_a_problem(db_url, sandbox_env, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    code, found = check_json("Instagram (.env)")
    assert code == 1
    assert "OUTREACH_PUBLIC_BASE_URL" in found[0]["problems"][0]


def test_a_refused_token(db_url, sandbox_env, media_server, monkeypatch):
    monkeypatch.setenv("OUTREACH_FACEBOOK_PAGE_TOKEN", "expired-page-token-123456")
    code, found = check_json()
    assert code == 1
    rows = by_platform(found)
    assert not rows["facebook"]["ok"] and rows["instagram"]["ok"]
    [problem] = rows["facebook"]["problems"]
    assert "access token" in problem and "expired-page-token" not in problem


def test_the_object_store_link_is_checked(db_url, sandbox_env, s3_env, moto_s3):
    code, found = check_json("Instagram (.env)")
    assert code == 0, found
    media = found[0]["media_url"]
    assert media["store"] == "s3" and media["status"] == 200
    assert media["url"].startswith(f"{moto_s3.url}/{s3_env}/media/")
    assert "?" not in media["url"]  # the signature is never shown
    with moto_s3.authenticated():  # the store refuses the link
        code, found = check_json("Instagram (.env)")
    assert code == 1 and "could not fetch images" in found[0]["problems"][0]


def test_an_unknown_account(db_url, sandbox_env):
    result = check("nobody")
    assert result.exit_code == 2 and "nobody" in result.output


def test_the_admin_checks_an_account_from_its_page(db_url, sandbox_env, media_server, web):
    import re

    from sqlmodel import select

    from outreach.models import Account

    admin = web.client("admin")
    page = admin.get("/admin/accounts")
    assert "Periksa" in page.text
    with web.session() as s:
        ids = {a.platform: a.id for a in s.exec(select(Account))}
    token = os.environ["OUTREACH_INSTAGRAM_ACCESS_TOKEN"]
    requests.post(f"{sandbox_env.url}/_sandbox/permissions",
                  json={"token": token, "lacks": ["instagram_manage_insights"]},
                  timeout=5).raise_for_status()

    def flashes(path: str) -> str:
        answer = web.post(admin, path)
        assert answer.status_code == 303
        shown = admin.get(answer.headers["location"])
        return " ".join(re.findall(r'class="flash flash-\w+"[^>]*>(.*?)</div>', shown.text,
                                   re.S))

    said = flashes(f"/admin/accounts/{ids['instagram']}/check")
    assert "Token tidak memiliki izin instagram_manage_insights." in said
    assert token not in said
    said = flashes(f"/admin/accounts/{ids['x']}/check")
    assert "diperiksa: token diterima." in said
