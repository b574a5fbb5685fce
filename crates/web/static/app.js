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
  // "Back to the form" links on error pages: the browser keeps what was typed.
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
    });
  });
  // Ask before leaving a form with unsaved changes.
  document.querySelectorAll("form.form").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) {
      if (dirty) { e.preventDefault(); e.returnValue = ""; }
    });
  });
  // Uploads show their progress; the server's answer replaces the page.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      e.preventDefault();
      var bar = form.querySelector("progress");
      var text = form.querySelector(".progress-text");
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", token);
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) { return; }
        var pct = Math.round((ev.loaded / ev.total) * 100);
        bar.hidden = false;
        bar.value = pct;
        text.textContent = pct < 100 ? "已上传 " + pct + "%" : "上传完成，正在检查和导入……";
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL.indexOf("/imports?") === -1 && xhr.status < 400) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        text.textContent = "上传失败：网络中断，请重试。";
      });
      button.disabled = true;
      text.textContent = "正在上传……";
      xhr.send(new FormData(form));
    });
  });
})();
