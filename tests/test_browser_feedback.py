"""The public's questions in a real browser (Debian's chromium): staff open the feedback inbox,
see which book a question is about, answer it from the app on Facebook, Instagram and X (the
sandbox, through the real clients) and see it marked answered; a refused reply keeps its text.
The pages pass axe-core; the staff guide's pictures come from here (1366 px and 390 px)."""

from __future__ import annotations

from datetime import timedelta

from browser_kit import axe_check, login, no_horizontal_scroll, shot
from sqlmodel import select

from outreach.models import Delivery, Post, Title

WIDE = {"width": 1366, "height": 900}
ANSWERS = {
    "facebook": "Bisa, Kak. Buku ini boleh dipinjam hari Sabtu pukul 08.00–12.00.",
    "instagram": "Boleh sekali! Ruang anak buka untuk keluarga setiap Sabtu.",
    "x": "Jam buka Minggu 09.00–14.00. Sampai jumpa di perpustakaan!",
}
LABELS = {"facebook": "Facebook", "instagram": "Instagram", "x": "X"}


def _questions_from_the_sandbox(live, sandbox_env) -> int:
    """Posts on the three platforms with the public's comments synced in; the Facebook posts are
    about a book of the catalogue. Returns that title's id."""
    from engagement_kit import seed

    from outreach.config import load_settings
    from outreach.engagement.sync import sync_pass

    for platform in ("facebook", "instagram", "x"):
        seed(sandbox_env, platform, 2, age=timedelta(days=2))
    with live.session() as s:
        book = Title(source="slims", source_id="B-0001", title="Laskar Pelangi",
                     authors=["Andrea Hirata"], content_hash="laskar")
        s.add(book)
        s.flush()
        for d in s.exec(select(Delivery).where(Delivery.platform == "facebook")):
            post = s.get(Post, d.post_id)
            post.kind, post.title_id = "acquisition", book.id
            d.text = "📚 Koleksi baru: Laskar Pelangi karya Andrea Hirata"
            s.add_all([post, d])
        s.commit()
        book_id = book.id
    sync_pass(load_settings())
    return book_id


def _phone_picture(page, card) -> None:
    """The guide's phone picture: the question with its reply box in view (at 390 px)."""
    import browser_kit

    size = page.viewport_size
    page.set_viewport_size(browser_kit.PHONE)
    try:
        card.locator("p.subject").scroll_into_view_if_needed()
        page.evaluate("el => el.scrollIntoView({block: 'start'})",
                      card.locator("blockquote").element_handle())
        assert no_horizontal_scroll(page)
        data = page.screenshot()
        (browser_kit.SHOTS / "feedback-reply-phone.png").write_bytes(data)
        if browser_kit.UPDATE_DOCS:
            (browser_kit.DOCS_IMG / "feedback-reply-phone.png").write_bytes(
                browser_kit._small_png(data))
    finally:
        page.set_viewport_size(size)


def _sandbox_has(sandbox_env, platform: str, text: str) -> bool:
    state = sandbox_env.state()
    if platform == "x":
        return any(p["text"] == text and p["reply_to"] for p in state["x"])
    return any(r["message"] == text for p in state[platform] for r in p.get("replies", []))


def test_staff_answer_questions_on_three_platforms_from_the_inbox(live, open_page,
                                                                  sandbox_env):
    book_id = _questions_from_the_sandbox(live, sandbox_env)
    staff = live.user("staff", name="Rina Wulandari")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, staff.email)
    # The home page counts the open questions and leads to them.
    todo = page.locator("section.todo")
    line = todo.get_by_role("link", name="Pertanyaan masyarakat yang belum dijawab")
    assert int(line.locator("strong").inner_text()) > 0
    axe_check(page, "home-todo")
    line.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Masukan"
    assert page.locator("#f-questions").is_checked()
    first = page.locator("article.comment").first
    assert "Pertanyaan" in first.inner_text()  # questions first
    axe_check(page, "feedback")
    for platform, answer in ANSWERS.items():
        page.goto(f"/feedback?platform={platform}&questions=1")
        card = page.locator("article.comment").first
        if platform == "facebook":
            link = card.get_by_role("link", name="Laskar Pelangi")
            assert link.get_attribute("href") == f"/catalogue/{book_id}"
            assert card.get_by_role("link", name="Lihat unggahan di Facebook").count() == 1
        heading = card.locator("h2").get_attribute("id")
        box = card.get_by_label(f"Balas di {LABELS[platform]} sebagai akun")
        box.fill(answer)
        if platform == "facebook":
            box.focus()
            shot(page, "feedback-reply", docs="desktop")
            _phone_picture(page, card)
        card.get_by_role("button", name="Kirim balasan").click()
        page.wait_for_load_state()
        status = page.get_by_role("status").inner_text()
        assert f"Balasan terkirim ke {LABELS[platform]}" in status, status
        assert _sandbox_has(sandbox_env, platform, answer)
        # Marked answered, by whom and when, with the reply under the question.
        page.goto(f"/feedback?status=answered&platform={platform}")
        done = page.locator(f"article:has(h2#{heading})")
        text = done.inner_text()
        assert "Sudah dijawab" in text and answer in text
        assert f"Dijawab oleh {staff.email}" in text
    axe_check(page, "feedback-answered")
    shot(page, "feedback-answered", phone=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page), "the answered questions scroll sideways on a phone"
    assert not page.problems.take()


def test_a_refused_reply_keeps_its_text_and_says_why(live, open_page, sandbox_env):
    _questions_from_the_sandbox(live, sandbox_env)
    staff = live.user("staff")
    page = open_page()
    login(page, staff.email)
    page.goto("/feedback?platform=x&questions=1")
    card = page.locator("article.comment").first
    heading = card.locator("h2").get_attribute("id")
    long = "Terima kasih sudah bertanya! " * 12
    card.get_by_label("Balas di X sebagai akun").fill(long)
    calls = sandbox_env.state()["calls"].get("x.create_tweet", 0)
    card.get_by_role("button", name="Kirim balasan").click()
    page.wait_for_load_state()
    card = page.locator(f"article:has(h2#{heading})")
    alert = card.get_by_role("alert").inner_text()
    assert "paling banyak 280 karakter" in alert
    box = card.get_by_label("Balas di X sebagai akun")
    assert box.input_value().strip() == long.strip()  # nothing typed is lost
    assert box.get_attribute("aria-invalid") == "true"
    assert sandbox_env.state()["calls"].get("x.create_tweet", 0) == calls
    axe_check(page, "feedback-reply-refused")
    # The browser notes the page's 400 (the refusal itself), and nothing else.
    problems = page.problems.take()
    assert len(problems) == 1 and "400 (Bad Request)" in problems[0] and "/reply" in problems[0]
