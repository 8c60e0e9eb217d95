// The review queue at a desk: keys to move through the cards and decide, batch selection, and
// decisions posted without a reload. A batch names only cards whose picture has loaded and been
// on screen: the server cannot know what the operator saw, so the page keeps count and leaves
// the others out, saying so.
"use strict";
(() => {
  const queue = document.getElementById("queue");
  if (!queue) return;
  const batch = document.getElementById("batch");
  const outcome = document.getElementById("outcome");
  const keys = document.getElementById("keys");
  const showKeys = document.getElementById("show-keys");
  const seen = new Set();
  const inView = new Set();
  let current = null;

  const cards = () => [...queue.querySelectorAll("article.card:not(.leaving)")];
  const cardOf = (id) => document.getElementById(`r-${id}`);
  const numberOf = (id) => {
    const card = cardOf(id);
    return card ? `#${card.dataset.number}` : id;
  };

  const say = (text, tone) => {
    outcome.textContent = text;
    outcome.className = `outcome ${tone || ""}`;
  };

  // Seen: the card's first picture has loaded and at least most of it was in view (a card without
  // pictures: the card itself was in view).
  const check = (card) => {
    const id = card.dataset.case;
    if (seen.has(id)) return;
    const picture = card.querySelector(".shots img");
    const loaded = !picture || (picture.complete && picture.naturalWidth > 0);
    if (loaded && inView.has(card)) {
      seen.add(id);
      card.classList.add("seen");
    }
  };
  const watcher = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const card = entry.target.closest("article.card");
        inView.add(card);
        check(card);
      }
    },
    { threshold: 0.6 },
  );
  for (const card of cards()) {
    const picture = card.querySelector(".shots img");
    if (picture) picture.addEventListener("load", () => check(card));
    watcher.observe(picture || card);
  }

  // The current card, moved by keys.
  const point = (card) => {
    if (current) current.classList.remove("current");
    current = card || null;
    if (!current) return;
    current.classList.add("current");
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "nearest", behavior: "smooth" });
  };
  const move = (by) => {
    const list = cards();
    if (!list.length) return;
    const at = list.indexOf(current);
    point(list[Math.min(list.length - 1, Math.max(0, at < 0 ? 0 : at + by))]);
  };
  queue.addEventListener("click", (event) => {
    const card = event.target.closest("article.card");
    if (card && card !== current) point(card);
  });

  const picked = () => document.querySelectorAll('input[type="checkbox"][form="batch"]:checked');
  const showPicked = () => {
    const count = document.getElementById("picked");
    if (count) count.textContent = String(picked().length);
    for (const box of document.querySelectorAll('input[type="checkbox"][form="batch"]')) {
      box.closest("article.card").classList.toggle("chosen", box.checked);
    }
  };
  queue.addEventListener("change", showPicked);

  // The card leaves the queue once decided; the next becomes current.
  const leave = (id) => {
    const card = cardOf(id);
    if (!card) return;
    const list = cards();
    const next = list[list.indexOf(card) + 1] || list[list.indexOf(card) - 1];
    card.classList.add("leaving");
    card.querySelectorAll("input, button, select").forEach((el) => (el.disabled = true));
    setTimeout(() => card.remove(), 300);
    if (card === current) point(next && next !== card ? next : null);
    const waiting = document.getElementById("waiting");
    waiting.textContent = String(Math.max(0, Number(waiting.textContent) - 1));
  };

  const post = async (data, leftOut) => {
    let response;
    try {
      response = await fetch("/centre/review", {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (e) {
      say(`${leftOut}${e}`, "refused");
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(`${leftOut}${answer.error || response.statusText}`, "refused");
      return;
    }
    answer.done.forEach(leave);
    showPicked();
    say(`${answer.message}${leftOut ? ` — ${leftOut}` : ""}`, answer.refused.length || leftOut ? "mixed" : "");
    setTimeout(() => {
      if (!cards().length && Number(document.getElementById("waiting").textContent) > 0) {
        window.location.reload();
      }
      document.getElementById("queue-empty").hidden = cards().length > 0;
    }, 350);
  };

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.review-act");
    if (!form) return;
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    let leftOut = "";
    if (form === batch) {
      const chosen = data.getAll("id");
      const unseen = chosen.filter((id) => !seen.has(id));
      data.delete("id");
      chosen.filter((id) => seen.has(id)).forEach((id) => data.append("id", id));
      if (unseen.length) leftOut = `${batch.dataset.unseen} ${unseen.map(numberOf).join(", ")}`;
      if (!data.getAll("id").length) {
        say(leftOut || batch.dataset.nothing, "refused");
        return;
      }
    }
    post(data, leftOut);
  });

  // Keys, unless the operator is typing.
  if (showKeys && keys) {
    showKeys.hidden = false;
    showKeys.addEventListener("click", () => keys.showModal());
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, select, textarea, dialog")) return;
    const card = current;
    switch (event.key) {
      case "j":
      case "ArrowDown":
        move(1);
        break;
      case "k":
      case "ArrowUp":
        move(-1);
        break;
      case "f":
        card?.querySelector("form.file button")?.click();
        break;
      case "v": {
        const details = card?.querySelector("details.void");
        if (!details) return;
        details.open = true;
        details.querySelector("select").focus();
        break;
      }
      case "x": {
        const box = card?.querySelector('input[type="checkbox"]');
        if (!box) return;
        box.checked = !box.checked;
        showPicked();
        break;
      }
      case "Enter":
        // Enter on a link or button does what it says.
        if (event.target.closest("a, button, summary")) return;
      // falls through
      case "o":
        if (!card) return;
        window.location.href = card.querySelector("a.open").href;
        break;
      case "?":
        keys?.showModal();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
  point(cards()[0]);
})();
