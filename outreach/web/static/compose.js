// Compose page: the common text and one tab per platform. A platform's version starts as the
// common text and follows it until the person edits it; then it is kept apart (data-own="1").
// Without JavaScript every version is shown one under the other and works the same.
(() => {
  const box = document.getElementById("versions");
  if (!box) return;
  const list = box.querySelector('[role="tablist"]');
  const tabs = Array.from(box.querySelectorAll('[role="tab"]'));
  const common = document.getElementById("f-text");
  const versions = Array.from(box.querySelectorAll("textarea[data-platform]"));
  list.hidden = false;

  function select(tab, focus) {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    const area = document.getElementById(tab.getAttribute("aria-controls")).querySelector("textarea");
    if (area && area.dataset.platform && area.dataset.own !== "1") area.value = common.value;
    if (focus) tab.focus();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      e.preventDefault();
      select(tabs[(i + step + tabs.length) % tabs.length], true);
    });
  });
  function mark(area) {
    const own = area.value.trim() !== "" && area.value.trim() !== common.value.trim();
    area.dataset.own = own ? "1" : "0";
    const reset = box.querySelector(`.follow-common[data-platform="${area.dataset.platform}"]`);
    if (reset) reset.hidden = !own;
  }
  versions.forEach((area) => {
    if (area.dataset.own !== "1") area.value = common.value;
    mark(area);
    area.addEventListener("input", () => mark(area));
  });
  common.addEventListener("input", () => {
    versions.forEach((area) => { if (area.dataset.own !== "1") area.value = common.value; });
  });
  box.querySelectorAll(".follow-common").forEach((button) => {
    button.addEventListener("click", () => {
      const area = box.querySelector(`textarea[data-platform="${button.dataset.platform}"]`);
      area.value = common.value;
      mark(area);
      area.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  select(tabs[0], false);
})();

// Compose page: a live preview per account while the person types. The page works without this
// (the "Pratinjau" button asks the server for the same preview); this only saves the click.
(() => {
  const form = document.getElementById("compose-form");
  const panel = document.getElementById("preview");
  if (!form || !panel || !window.fetch) return;
  const csrf = form.querySelector('input[name="csrf_token"]');
  let timer = null;
  let asked = 0;

  function collect() {
    const accounts = Array.from(form.querySelectorAll('input[name="account"]:checked, input[type="hidden"][name="account"]'))
      .map((el) => Number(el.value));
    const images = [];
    form.querySelectorAll(".slot").forEach((slot) => {
      const n = slot.dataset.slot;
      const file = slot.querySelector(`input[name="file_${n}"]`);
      const token = slot.querySelector(`input[name="token_${n}"]`);
      const removed = slot.querySelector(`input[name="remove_${n}"]`);
      const alt = slot.querySelector(`input[name="alt_${n}"]`);
      const chosen = file && file.files && file.files.length > 0;
      const kept = token && !(removed && removed.checked);
      if (chosen) {
        images.push({ alt: alt ? alt.value : "", name: file.files[0].name });
      } else if (kept) {
        images.push({ alt: alt ? alt.value : "", token: token.value });
      }
    });
    // Images chosen from the media library join after the fields (the server does the same).
    form.querySelectorAll('input[name="library"]:checked').forEach((box) => {
      images.push({ alt: box.dataset.alt || "", token: box.value });
    });
    const own = {};
    form.querySelectorAll("textarea[data-platform]").forEach((area) => {
      if (area.dataset.own === "1") own[area.dataset.platform] = area.value;
    });
    const at = form.elements.at ? form.elements.at.value : "";
    const post = form.elements.post_id ? form.elements.post_id.value : "";
    return { text: form.elements.text.value, own, accounts, images, at, post_id: post };
  }

  function show(results) {
    const byId = new Map(results.map((r) => [r.account_id, r]));
    panel.querySelectorAll(".pv").forEach((card) => {
      const id = Number(card.dataset.account);
      const r = byId.get(id);
      card.hidden = !r;
      if (!r) return;
      const count = card.querySelector("output");
      const parts = r.parts.length;
      const prefix = parts > 1 ? `${parts} ${panel.dataset.parts}, ${panel.dataset.longest} ` : "";
      count.textContent = `${prefix}${r.length} / ${r.max_length}`;
      count.classList.toggle("over", r.length > r.max_length);
      const list = card.querySelector(".problems");
      list.replaceChildren(...r.warnings.map((w) => {
        const li = document.createElement("li");
        li.textContent = w;
        return li;
      }));
      const notes = card.querySelector(".notes");
      if (notes) {
        notes.replaceChildren(...(r.notes || []).map((n) => {
          const li = document.createElement("li");
          li.textContent = n;
          return li;
        }));
      }
      const ok = card.querySelector(".ok-note");
      if (ok) ok.hidden = !r.ok;
      const box = card.querySelector(".parts");
      box.replaceChildren(...r.parts.map((p) => {
        const pre = document.createElement("pre");
        pre.textContent = p.text;
        return pre;
      }));
    });
  }

  function failed() {
    panel.querySelectorAll(".pv:not([hidden]) .problems").forEach((list) => {
      const li = document.createElement("li");
      li.textContent = panel.dataset.failed;
      list.replaceChildren(li);
    });
  }

  async function refresh() {
    const mine = ++asked;
    try {
      const response = await fetch(form.dataset.preview, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.value : "" },
        body: JSON.stringify(collect()),
      });
      if (mine !== asked) return; // a newer request is on its way
      if (!response.ok) return failed();
      const answer = await response.json();
      const cards = document.getElementById("preview-cards");
      // The server renders the cards (escaped by its templates), as on the page without JS.
      if (cards && typeof answer.html === "string") cards.innerHTML = answer.html;
      else show(answer.results || []);
    } catch (err) {
      if (mine === asked) failed();
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  // "Waktu kosong berikutnya": take the offered time.
  panel.addEventListener("click", (event) => {
    const button = event.target.closest(".use-time");
    if (!button || !form.elements.at) return;
    form.elements.at.value = button.dataset.at;
    form.elements.at.focus();
    refresh();
  });

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
