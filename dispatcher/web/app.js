// Shared by every signed-in page: the session's CSRF token for scripts' own requests.
"use strict";
window.gridwatch = {
  csrf() {
    return document.body.dataset.csrf || "";
  },
  // A state-changing request from a script, carrying the CSRF token the server checks.
  send(url, options = {}) {
    const headers = new Headers(options.headers || {});
    headers.set("X-CSRF-Token", this.csrf());
    return fetch(url, { ...options, headers, credentials: "same-origin" });
  },
};
