"""The web UI in a real browser (Debian's chromium under Playwright) against the app served over
HTTP: signing in, the language switch, and the pages staff use, each scanned by axe-core (0 serious
or critical violations) and photographed into tests/screenshots/ (desktop and phone)."""

from __future__ import annotations

import re

from browser_kit import (
    DESKTOP,
    PASSWORD,
    PHONE,
    axe_check,
    axe_findings,
    login,
    no_horizontal_scroll,
    set_language,
    shot,
)


def test_login_page_signs_in_and_the_home_page_shows_the_queue(live, open_page):
    from engagement_kit import accounts

    accounts()  # the sandbox_env accounts, registered as the service registers them
    live.user("staff", email="rina@perpustakaan.test", name="Rina Staf")
    page = open_page()
    page.goto("/queue?status=failed")
    assert "/login" in page.url  # the anonymous are sent to sign in, and come back after
    assert page.locator("h1").inner_text() == "Masuk"
    assert page.locator("html").get_attribute("lang") == "id"
    axe_check(page, "login")
    shot(page, "login", phone=True)
    page.get_by_label("E-mail").fill("RINA@perpustakaan.test")  # not case-sensitive
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    assert page.url.endswith("/queue?status=failed")
    assert page.locator("#q-status").input_value() == "failed"
    page.get_by_role("link", name="Beranda").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Beranda"
    assert "Rina Staf" in page.locator("header").inner_text()
    health = page.locator("main li .health").all_inner_texts()
    assert health == ["Sehat", "Sehat", "Sehat"]  # X, Facebook and Instagram on the sandbox
    axe_check(page, "home")
    shot(page, "home", phone=True)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page), "the home page scrolls sideways on a phone"
    assert not page.problems.take()
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_load_state()
    assert "/login" in page.url
    page.goto("/")
    assert "/login" in page.url  # signed out for real


def test_wrong_password_says_so_and_keeps_the_email(live, open_page):
    user = live.user("manager")
    page = open_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Kata sandi").fill("bukan-kata-sandinya")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "E-mail atau kata sandi salah."
    assert page.get_by_label("E-mail").input_value() == user.email
    assert page.get_by_label("Kata sandi").input_value() == ""  # never echoed back
    axe_check(page, "login-error")
    shot(page, "login-error")
    login(page, user.email)  # the right password still works after one mistake
    assert page.locator("h1").inner_text() == "Beranda"


def test_language_switch_translates_and_is_kept_after_signing_in(live, open_page):
    user = live.user("admin", name="Budi Admin")
    page = open_page("en-US")
    page.goto("/login")
    set_language(page, "en")  # chosen before signing in, kept after
    assert page.locator("h1").inner_text() == "Sign in"
    axe_check(page, "login-en")
    login(page, user.email)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Home"
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.locator("form.lang button[value='en']").get_attribute("aria-pressed") == "true"
    axe_check(page, "home-en")
    shot(page, "home-en")
    set_language(page, "id")
    assert page.locator("h1").inner_text() == "Beranda"
    assert page.get_by_role("button", name="Keluar").is_visible()
    assert not page.problems.take()


def test_forgotten_password_pages_are_accessible(live, open_page):
    page = open_page()
    page.goto("/login")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Lupa kata sandi"
    axe_check(page, "password-forgot")
    page.goto("/password/reset/bukan-token-yang-sah")
    assert page.locator("h1").inner_text() == "Kata sandi baru"
    assert "tidak berlaku lagi" in page.get_by_role("alert").inner_text()
    axe_check(page, "password-reset-dead")
    # The dead link answers 400 on purpose; nothing else may go wrong.
    problems = page.problems.take()
    assert len(problems) == 1 and "status of 400" in problems[0], problems


def test_keyboard_users_can_skip_to_the_content(live, open_page):
    user = live.user("staff")
    page = open_page()
    login(page, user.email)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0  # shown on focus, not left off-screen
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


# -- every page, as the role that may open it -------------------------------------------------
# Pages people use most: photographed on a phone as well.
MAIN = {"/", "/queue", "/calendar", "/compose", "/inbox", "/deliveries/{delivery_id}",
        "/approvals", "/dashboard", "/reports", "/feedback", "/catalogue", "/events"}
# A few checked in English too (the header's switch).
ENGLISH = ("/compose", "/deliveries/{delivery_id}", "/dashboard")
NAMES = {"staff": "Rina Wulandari", "manager": "Dewi Lestari", "admin": "Budi Santoso"}
# Pictures of the staff guide taken here (the others come from the flow test).
DOCS = {"/": "desktop", "/catalogue/{title_id}": "desktop"}  # the inbox: test_browser_inbox.py
NOT_PAGES = {"/login", "/healthz", "/media/{token}/{filename}",  # covered above / not HTML
             # Public "lupa kata sandi" pages: test_forgotten_password_pages_are_accessible.
             "/password/forgot", "/password/reset", "/password/reset/{token}"}
# Hops of a sign-in (off to the platform's consent page and back), not pages:
# test_browser_connect.py opens them the way an admin does (and scans what they show).
SIGNIN_HOPS = "/admin/accounts/connect/"


def _min_role(route) -> str | None:
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        role = getattr(dep.call, "min_role", None)
        if role:
            return role
        stack.extend(dep.dependencies)
    return None


def _shot_name(path: str) -> str:
    name = re.sub(r"\{([a-z_]+)\}", lambda m: m.group(1).removesuffix("_id"), path)
    return name.strip("/").replace("/", "-") or "home"


# Words that make a sentence English: two of them in one sentence outside user content fail.
ENGLISH_WORDS = ("the", "and", "is", "not", "was", "to be", "of the", "has", "will", "this",
                 "with", "for", "are", "could", "please", "your", "been")
VISIBLE_TEXT = """() => {
    const skip = el => el.closest('[data-user-content], code, pre, script, style, [hidden]')
        || (el.closest('[lang]') && !el.closest('[lang]').lang.startsWith('id'));
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!el || skip(el) || !el.getClientRects().length) continue;
        const t = n.textContent.trim();
        if (t) out.push(t);
    }
    return out;
}"""


def english_in_texts(texts: list[str]) -> list[str]:
    """The sentences of `texts` that read as English: two English function words in one."""
    found = []
    for text in texts:
        for sentence in re.split(r"(?<=[.!?:;])\s+", text):
            words = f" {sentence.lower()} "
            hits = [w for w in ENGLISH_WORDS if f" {w} " in words]
            if len(hits) >= 2:
                found.append(sentence[:120])
    return found


def english_sentences(page) -> list[str]:
    """Sentences on an Indonesian page that read as English (user content, marked with
    data-user-content or a non-Indonesian lang attribute, is left out)."""
    return english_in_texts(page.evaluate(VISIBLE_TEXT))


# Indonesian function words: two of them in one sentence outside user content, on a page whose
# UI is English, fail (a string the English catalogue misses).
INDONESIAN_WORDS = ("yang", "dan", "untuk", "tidak", "ini", "itu", "akan", "sudah", "belum",
                    "dengan", "dari", "pada", "atau", "dapat", "ada", "di", "ke", "oleh")
VISIBLE_TEXT_EN = VISIBLE_TEXT.replace("!el.closest('[lang]').lang.startsWith('id')",
                                       "!el.closest('[lang]').lang.startsWith('en')")


def indonesian_sentences(page) -> list[str]:
    """Sentences on an English page that read as Indonesian (user content, marked with
    data-user-content or a non-English lang attribute, is left out)."""
    found = []
    for text in page.evaluate(VISIBLE_TEXT_EN):
        for sentence in re.split(r"(?<=[.!?:;])\s+", text):
            words = set(re.findall(r"\w+", sentence.lower()))
            if len(words & set(INDONESIAN_WORDS)) >= 2:
                found.append(sentence[:120])
    return found


def test_the_detectors_tell_the_languages_apart():
    """The two detectors the crawl relies on, on sentences of both languages."""
    class Page:
        def __init__(self, texts):
            self.texts = texts

        def evaluate(self, _script):
            return self.texts

    english = "The post was not published because the account has no access."
    indonesian = "Kiriman ini belum terbit karena akun tidak punya akses dan harus disambungkan."
    assert english_sentences(Page([english])) == [english]
    assert english_sentences(Page([indonesian])) == []
    assert indonesian_sentences(Page([indonesian])) == [indonesian]
    assert indonesian_sentences(Page([english])) == []


def test_every_page_is_accessible_for_the_role_that_may_open_it(live, open_page, sandbox_env,
                                                                tmp_path):
    """Every GET page of the app (read from its routes, so a new page is included without
    editing this test) opened on real rows by the least role allowed: it answers 200 with
    HTML, the browser reports no script or CSP error, axe-core finds no serious or critical
    violation, and no English sentence shows outside user content (the UI is Indonesian).
    Findings are gathered over all pages, then reported together."""
    from browser_data import fill

    from outreach.web.app import page_routes

    people = {role: live.user(role, name=NAMES[role]) for role in ("staff", "manager",
                                                                       "admin")}
    values = fill(live, sandbox_env, tmp_path, people["staff"].email)
    values["user_id"] = str(people["staff"].id)
    pages, english_pages = {}, {}
    for role, person in people.items():
        pages[role] = open_page()
        login(pages[role], person.email)
        # The same person in a second browser whose UI is English: every page is read there too.
        english_pages[role] = open_page()
        login(english_pages[role], person.email)
        set_language(english_pages[role], "en")
    findings: list[str] = []
    visited = []
    routes = sorted((r for r in page_routes(live.app.routes) if "GET" in r.methods
                     and r.path not in NOT_PAGES and not r.path.startswith(SIGNIN_HOPS)),
                    key=lambda r: r.path)
    for route in routes:
        role = _min_role(route)
        assert role, f"GET {route.path} has no role check"
        missing = [p for p in re.findall(r"\{([a-z_]+)\}", route.path) if p not in values]
        assert not missing, f"give {route.path} a real value for {missing} in browser_data.fill"
        # a route may be opened on several rows ("other_run_ids": every run with messages)
        params = re.findall(r"\{([a-z_]+)\}", route.path)
        others = values.get(f"other_{params[0]}s", "").split() if len(params) == 1 else []
        paths = [route.path.format(**values)] + [
            route.path.format(**{**values, params[0]: other}) for other in others]
        for path in paths:
            page = pages[role]
            probe = page.request.get(path, max_redirects=0)
            if probe.status != 200:
                findings.append(f"{path} ({role}): HTTP {probe.status}")
                continue
            if not probe.headers.get("content-type", "").startswith("text/html"):
                continue  # a download (CSV, image): nothing to render
            page.goto(path)
            visited.append(route.path)
            assert page.locator("h1").count() == 1, f"{path}: one <h1> per page"
            findings += axe_findings(page, f"{path} ({role})")
            findings += [f"{path} ({role}): English in the Indonesian page: {t!r}"
                         for t in english_sentences(page)]
            findings += [f"{path} ({role}): {p}" for p in page.problems.take()]
            if path == paths[0]:  # one picture per route
                shot(page, _shot_name(route.path), phone=route.path in MAIN,
                     docs=DOCS.get(route.path, ""))
            page.set_viewport_size(PHONE)
            if not no_horizontal_scroll(page):
                findings.append(f"{path} ({role}): the page scrolls sideways on a phone (390 px)")
            page.set_viewport_size(DESKTOP)
            in_english = english_pages[role]
            in_english.goto(path)
            findings += [f"{path} ({role}, en): Indonesian in the English page: {t!r}"
                         for t in indonesian_sentences(in_english)]
            findings += [f"{path} ({role}, en): {p}" for p in in_english.problems.take()]
            if route.path in ENGLISH and path == paths[0]:
                findings += axe_findings(in_english, f"{path} ({role}, en)")
                shot(in_english, _shot_name(route.path) + "-en")
    assert len(visited) >= 5
    assert not findings, (f"{len(findings)} problem(s) over {len(visited)} pages:\n"
                          + "\n".join(findings))


# -- the whole way: compose → approve → publish on the sandbox → engagement ---------------------
def _table(page, selector: str) -> dict[str, dict[str, str]]:
    """A table with a header row and row headers, as {row header: {column header: cell}}."""
    return page.locator(selector).evaluate("""table => {
        const heads = [...table.tHead.rows[0].cells].map(c => c.innerText.trim());
        const out = {};
        for (const row of table.tBodies[0].rows) {
            const cells = [...row.cells].map(c => c.innerText.trim());
            out[cells[0]] = Object.fromEntries(heads.map((h, i) => [h, cells[i]]));
        }
        return out;
    }""")


def test_a_post_goes_from_compose_through_approval_to_the_sandbox_and_back_as_figures(
        live, open_page, sandbox_env, tmp_path):
    import httpx
    from babel.numbers import format_decimal
    from browser_data import image
    from engagement_kit import clock, ours
    from playwright.sync_api import expect
    from sqlmodel import select

    from outreach.dispatch.dispatcher import run_due
    from outreach.engagement.sync import sync_pass
    from outreach.models import METRICS, Delivery
    from outreach.platforms.x import weighted_length
    from outreach.web.areas.reports import METRIC_LABELS

    httpx.post(sandbox_env.url + "/_sandbox/options",
               json={"instagram.processing_seconds": 0.05}).raise_for_status()
    staff = live.user("staff", email="rina.wulandari@perpustakaan.test", name="Rina Wulandari")
    manager = live.user("manager", email="dewi.lestari@perpustakaan.test", name="Dewi Lestari")

    # Staff writes one post for X, Facebook and Instagram, watching the live counter.
    page = open_page()
    login(page, staff.email)
    page.goto("/compose")
    chosen = page.locator("input[name=account]")
    assert chosen.count() == 3 and all(chosen.nth(i).is_checked() for i in range(3))
    x_id = page.locator("input[name=account][data-platform=x]").get_attribute("value")
    counter = page.locator(f"#count-{x_id}")
    text = ("Pameran buku langka di Perpustakaan Kota Bontang, Sabtu 09.00 WITA. Ada naskah "
            "lontar dan peta lama Kalimantan Timur: https://perpustakaan.bontangkota.go.id "
            "#PerpustakaanKotaBontang")
    box = page.locator("#f-text")
    box.fill("Buku baru 📚")
    expect(counter).to_have_text("12 / 280")  # X counts an emoji as 2
    box.fill(text * 3)  # too long for one post on X: the counter says it becomes a thread
    expect(counter).to_contain_text("bagian")
    box.fill(text)
    expect(counter).to_have_text(f"{weighted_length(text)} / 280")  # a link counts 23
    assert weighted_length(text) != len(text)
    ig_id = page.locator("input[name=account][data-platform=instagram]").get_attribute("value")
    expect(page.locator(f"#warn-{ig_id}")).to_contain_text("gambar")  # Instagram needs one
    page.set_input_files("#f-file_1", image(tmp_path))
    page.locator("#f-alt_1").fill("Poster pameran: peta lama Kalimantan Timur di atas meja")
    expect(page.locator(f"#warn-{ig_id} li")).to_have_count(0)
    expect(page.locator(f"#ok-{ig_id}")).to_be_visible()
    shot(page, "compose-filled", phone=True, docs="both")
    page.get_by_role("button", name="Kirim untuk disetujui").click()
    page.wait_for_load_state()
    assert re.search(r"/deliveries/\d+$", page.url), page.url
    assert "menunggu persetujuan manajer" in page.locator("main").inner_text()
    axe_check(page, "delivery-pending")
    with live.session() as s:
        made = list(s.exec(select(Delivery).order_by(Delivery.id)))
    assert sorted(d.platform for d in made) == ["facebook", "instagram", "x"]
    assert {d.status for d in made} == {"pending_review"}
    assert all(len(d.media) == 1 and d.alt_text == [
        "Poster pameran: peta lama Kalimantan Timur di atas meja"] for d in made)

    # A manager approves it.
    boss = open_page()
    login(boss, manager.email)
    boss.goto("/approvals")
    card = boss.locator("article.review", has_text="Rina Wulandari")
    assert card.count() == 1
    assert card.locator("section.delivery").count() == 3
    shot(boss, "approvals", phone=True, docs="desktop")
    card.get_by_role("button", name="Setujui").click()
    boss.wait_for_load_state()
    assert "Tidak ada unggahan yang menunggu persetujuan" in boss.locator("main").inner_text()
    with live.session() as s:
        assert {d.status for d in s.exec(select(Delivery))} == {"scheduled"}

    # Publishing (what the worker does), through the real clients, onto the sandbox.
    for _ in range(20):
        if not run_due(live.settings).more:
            break
    with live.session() as s:
        done = {d.platform: d for d in s.exec(select(Delivery))}
    assert {d.status for d in done.values()} == {"published"}, {
        p: (d.status, d.last_error) for p, d in done.items()}
    page.goto("/queue?status=published")
    rows = page.locator("table.queue tbody tr:not(.group-row)")  # not the "Hari ini" heading
    assert rows.count() == 3
    assert rows.first.locator(".badge").inner_text() == "Terbit"
    shot(page, "queue", phone=True, docs="desktop")
    page.goto(f"/deliveries/{done['instagram'].id}")
    link = page.get_by_role("link", name="Buka kiriman di Instagram")
    assert link.get_attribute("href") == done["instagram"].remote_url
    shot(page, "delivery-published", docs="phone")
    page.set_viewport_size(PHONE)  # a long link and e-mail address wrap on a phone
    assert no_horizontal_scroll(page), "the delivery page scrolls sideways on a phone"
    page.set_viewport_size(DESKTOP)
    page.goto(sandbox_env.url + "/")  # the sandbox's own page: what was "posted"
    posted = page.locator("body").inner_text()
    assert posted.count("Pameran buku langka di Perpustakaan Kota Bontang") >= 3

    # Hours later the engagement sync reads the figures; the dashboard shows them.
    clock(sandbox_env, advance=5 * 3600, frozen=True)
    synced = sync_pass(live.settings)
    assert synced.snapshots == 3, synced
    state = sandbox_env.state()
    boss.goto("/dashboard")
    assert "3" in boss.locator(".tiles .tile").first.inner_text()  # posts published
    figures = _table(boss, "table.figures")
    for platform, label in (("x", "X"), ("facebook", "Facebook"), ("instagram", "Instagram")):
        raw = next(p["metrics"] for p in state[platform] if p["id"] == done[platform].remote_id)
        expected = ours(platform, raw)
        assert any(expected.values())
        for metric in METRICS:
            value = expected[metric]
            shown = figures[label][METRIC_LABELS[metric]]
            assert shown == ("—" if value is None else format_decimal(value, locale="id")), (
                platform, metric, shown, value)
    axe_check(boss, "dashboard-with-figures")
    shot(boss, "dashboard", docs="both")
    assert not page.problems.take() and not boss.problems.take()


def test_many_signed_in_requests_at_once_are_all_answered(live):
    """More requests at once than the database pool has connections (15 on SQLite): they queue
    in the thread pool and all get their page. (The sign-in check once looked the user up on the
    event loop; a wait there for a connection stopped the loop and every request with it.)"""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    user = live.user("staff")
    with httpx.Client(base_url=live.url, timeout=90) as first:
        token = re.search(r'name="csrf_token" value="([^"]+)"', first.get("/login").text)[1]
        signed = first.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "csrf_token": token, "next": "/"})
        assert signed.status_code == 303
        cookies = dict(first.cookies)

    def fetch(path: str) -> int:
        with httpx.Client(base_url=live.url, timeout=90, cookies=cookies) as client:
            return client.get(path).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        codes = list(pool.map(fetch, ["/", "/queue", "/calendar"] * 8))
    assert codes == [200] * 24
