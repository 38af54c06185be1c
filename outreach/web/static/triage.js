// Queue and calendar: small conveniences on top of pages that work without them.
// Queue: a "select all" box and a count of what is ticked. Calendar: drag a delivery onto
// another day (the same request as the item's "Pindahkan" form, which keyboard users and
// browsers without drag and drop use).
(() => {
  const bulk = document.getElementById("bulk");
  if (bulk) {
    const all = document.getElementById("pick-all");
    const count = document.getElementById("bulk-count");
    const boxes = () => Array.from(bulk.querySelectorAll('input[name="ids"]'));
    const update = () => {
      const n = boxes().filter((b) => b.checked).length;
      count.textContent = n ? count.dataset.some.replace("{n}", n) : count.dataset.none;
      if (all) {
        all.checked = n > 0 && n === boxes().length;
        all.indeterminate = n > 0 && n < boxes().length;
      }
    };
    if (all) {
      all.hidden = false;
      all.addEventListener("change", () => {
        boxes().forEach((b) => { b.checked = all.checked; });
        update();
      });
    }
    bulk.addEventListener("change", (event) => {
      if (event.target.name === "ids") update();
    });
  }

  const cal = document.querySelector(".cal[data-move]");
  if (!cal || !window.fetch) return;
  const status = document.getElementById("cal-status");
  let dragged = null;

  function say(text) {
    status.textContent = text;
    status.hidden = false;
    status.scrollIntoView({ block: "nearest" });
  }

  async function move(id, day) {
    const body = new URLSearchParams({ id, day, next: cal.dataset.next, csrf_token: cal.dataset.csrf });
    try {
      const response = await fetch(cal.dataset.move, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": cal.dataset.csrf },
        body,
      });
      const answer = await response.json();
      if (answer.ok) {
        window.location.reload();
      } else {
        say(answer.message || cal.dataset.failed);
      }
    } catch (err) {
      say(cal.dataset.failed);
    }
  }

  cal.querySelectorAll(".cal-item[draggable=true]").forEach((item) => {
    item.addEventListener("dragstart", (event) => {
      dragged = item;
      event.dataTransfer.setData("text/plain", item.dataset.id);
      event.dataTransfer.effectAllowed = "move";
      item.classList.add("dragging");
    });
    item.addEventListener("dragend", () => {
      item.classList.remove("dragging");
      dragged = null;
    });
  });
  cal.querySelectorAll(".cal-day[data-day]").forEach((day) => {
    day.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      day.classList.add("drop-target");
    });
    day.addEventListener("dragleave", (event) => {
      if (!day.contains(event.relatedTarget)) day.classList.remove("drop-target");
    });
    day.addEventListener("drop", (event) => {
      event.preventDefault();
      day.classList.remove("drop-target");
      const id = event.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.id);
      if (id && !day.contains(dragged)) move(id, day.dataset.day);
    });
  });
})();
