// The body map on the bruising tool's "The mark" page (kbs/tools/jinja2/tools/_body_map.jinja).
//
// Tapping a place on the picture, or pressing Enter or Space on it, ticks the matching box in the
// list below; ticking a box marks the picture. The list is the real form control and works without
// this script: only here do the shapes become buttons, so without JavaScript they stay a picture.
// Loaded as a module, so it runs after the page is parsed.

function enhance(root) {
  const svg = root.querySelector("svg[role]");
  const form = root.closest("form") || document;
  const inputs = Array.from(form.querySelectorAll("input")).filter(
    (input) => input.name === root.dataset.field,
  );
  if (!svg || inputs.length === 0) {
    return;
  }
  const inputFor = (code) => inputs.find((input) => input.value === code);
  const shapes = Array.from(svg.querySelectorAll("[data-region]")).filter((shape) =>
    inputFor(shape.dataset.region),
  );

  const nameOf = (code) => {
    const shape = shapes.find((s) => s.dataset.region === code);
    return shape ? shape.dataset.name : svg.dataset.otherName;
  };

  const sync = () => {
    const chosen = inputs.filter((input) => input.checked).map((input) => input.value);
    for (const shape of shapes) {
      const on = chosen.includes(shape.dataset.region);
      shape.classList.toggle("kbs-region--selected", on);
      shape.setAttribute("aria-pressed", String(on));
    }
    svg.setAttribute(
      "aria-label",
      chosen.length ? `Marked: ${chosen.map(nameOf).join(", ")}` : svg.dataset.emptyLabel,
    );
  };

  const toggle = (code) => {
    const input = inputFor(code);
    // A radio button cannot be untoggled by its own click; a checkbox can.
    input.checked = input.type === "radio" ? true : !input.checked;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  // With buttons inside, the picture is a group of controls rather than a single image
  // (an image's children are hidden from screen readers).
  svg.setAttribute("role", "group");
  const focusable = new Set();
  for (const shape of shapes) {
    const code = shape.dataset.region;
    shape.setAttribute("role", "button");
    // A place can appear on more than one view (the ears, the arms): one tab stop each is enough.
    if (!focusable.has(code)) {
      shape.setAttribute("tabindex", "0");
      focusable.add(code);
    }
    shape.addEventListener("click", () => toggle(code));
    shape.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle(code);
      }
    });
  }
  form.addEventListener("change", (event) => {
    if (inputs.includes(event.target)) {
      sync();
    }
  });
  root.classList.add("kbs-body-map--interactive");
  sync();
}

document.querySelectorAll("[data-kbs-body-map]").forEach(enhance);
