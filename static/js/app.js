// Behaviour for every page, kept out of the templates: the Content-Security-Policy allows no
// inline script or event handler.
document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
  input.addEventListener("focus", function () { input.select(); });
});
