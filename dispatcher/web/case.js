// The case page: a form sends once (a phone's upload takes a while, and a second tap must not
// send it again), and a tap on a SHA-256 selects the whole digest for copying.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("#actions form")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.disabled = true;
        button.classList.add("sending");
      }
    });
  }
  for (const sha of document.querySelectorAll("code.sha")) {
    sha.addEventListener("focus", () => {
      const full = sha.querySelector(".full");
      if (full) {
        window.getSelection().selectAllChildren(full);
      }
    });
  }
});
