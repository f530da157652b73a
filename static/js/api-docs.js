// Starts the vendored Swagger UI on /api/v1/docs (no inline script: the page has the same
// Content-Security-Policy as every other). No validator: it would send the schema elsewhere.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
  });
})();
