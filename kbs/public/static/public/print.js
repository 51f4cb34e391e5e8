// "Print this page" on the public pages. Without JavaScript the button stays hidden and the page
// tells people to use their browser's Print option instead.
for (const button of document.querySelectorAll("[data-kbs-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
