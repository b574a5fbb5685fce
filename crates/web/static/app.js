// Progressive enhancement only: every form works without this file.
// Adds the CSRF header to same-origin fetch() calls made by our own scripts.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  window.xjFetch = function (url, options) {
    options = options || {};
    options.headers = Object.assign({ "X-CSRF-Token": token }, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options);
  };
  // Ask before leaving a form with unsaved changes.
  document.querySelectorAll("form.form").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) {
      if (dirty) { e.preventDefault(); e.returnValue = ""; }
    });
  });
})();
