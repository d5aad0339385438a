// A table wider than the screen scrolls sideways inside its .table-responsive box. A
// keyboard can scroll that box only when it takes focus (WCAG 2.1.1), so boxes that
// overflow become focusable regions named after their table's caption; boxes that fit
// stay out of the tab order.
(function () {
  "use strict";

  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      const overflows = box.scrollWidth > box.clientWidth;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.dataset.scrollRegion = "";
        const caption = box.querySelector("caption");
        if (caption && caption.textContent.trim()) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (!overflows && "scrollRegion" in box.dataset) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollRegion;
      }
    });
  }

  let pending = null;
  function later() {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(update);
  }

  update();
  window.addEventListener("resize", later);
  // Tables revealed later: <details> opened, Bootstrap collapses and tabs shown, htmx swaps.
  document.addEventListener("toggle", later, true);
  document.addEventListener("shown.bs.collapse", later);
  document.addEventListener("shown.bs.tab", later);
  document.addEventListener("htmx:afterSettle", later);
})();
