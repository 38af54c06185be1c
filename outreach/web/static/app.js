// Library Outreach: small behaviour on top of pages that work without it.
// Buttons with data-confirm ask before submitting (cancel, reject, delete).
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
  }
});
