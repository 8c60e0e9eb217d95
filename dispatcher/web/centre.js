// The live case list: the case feed keeps rows current without a reload, "load more" appends the
// next page in place (and the URL remembers how much is shown, for the way back), new cases are
// highlighted and counted, and an optional beep announces them.
"use strict";
(() => {
  const table = document.getElementById("cases");
  if (!table) return;
  const rows = table.tBodies[0];
  const live = document.getElementById("live");
  const fresh = document.getElementById("fresh");
  const sound = document.getElementById("sound");
  const title = document.title;
  let unread = 0;

  const setLive = (state) => {
    live.dataset.state = state;
    live.textContent = live.dataset[state];
  };

  const bump = (id, by) => {
    const el = document.getElementById(id);
    if (el) el.textContent = String(Number(el.textContent) + by);
  };

  // "N new" in a badge and in the title, until the operator looks.
  const count = (n) => {
    unread = n;
    fresh.hidden = n === 0;
    fresh.textContent = `${n} ${fresh.dataset.word}`;
    document.title = n ? `(${n}) ${title}` : title;
  };
  fresh.addEventListener("click", () => {
    count(0);
    window.scrollTo({ top: 0, behavior: "smooth" });
  });

  // The beep is off until switched on; the choice is kept. Browsers let audio start only after
  // the person has done something on the page, so the sound is made ready on the first gesture.
  const SOUND = "gridwatch.centre.sound";
  let audio = null;
  const soundOn = () => localStorage.getItem(SOUND) === "on";
  const ready = () => {
    if (!audio && soundOn() && window.AudioContext) audio = new AudioContext();
  };
  const beep = () => {
    if (!audio || audio.state !== "running") return;
    const now = audio.currentTime;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.25, now + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.2);
    tone.connect(gain).connect(audio.destination);
    tone.start(now);
    tone.stop(now + 0.22);
  };
  const showSound = (on) => {
    sound.setAttribute("aria-pressed", String(on));
    sound.textContent = on ? sound.dataset.on : sound.dataset.off;
  };
  sound.hidden = false;
  showSound(soundOn());
  sound.addEventListener("click", () => {
    const on = !soundOn();
    localStorage.setItem(SOUND, on ? "on" : "off");
    showSound(on);
    ready();
    if (on) beep();
  });
  for (const gesture of ["pointerdown", "keydown"]) {
    document.addEventListener(gesture, ready, { once: true });
  }

  // One case's row, fetched as the page renders it, replacing its old row or added on top.
  const refresh = async (id) => {
    const url = `${table.dataset.rows}${encodeURIComponent(id)}?${table.dataset.query}`;
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const matches = response.headers.get("x-gridwatch-matches") === "yes";
    const holder = document.createElement("template");
    holder.innerHTML = (await response.text()).trim();
    const row = holder.content.querySelector("tr.case");
    if (!row) return;
    const old = document.getElementById(row.id);
    if (old) {
      old.replaceWith(row);
      row.classList.add("changed");
    } else if (matches) {
      rows.prepend(row);
      row.classList.add("fresh");
      bump("total", 1);
      bump("total-shown", 1);
      bump("shown", 1);
      count(unread + 1);
      beep();
    }
    document.getElementById("empty").hidden = rows.rows.length > 0;
  };

  // Changes are applied in the order they came.
  let queue = Promise.resolve();
  const follow = () => {
    setLive("connecting");
    const feed = new EventSource("/api/v1/feed");
    feed.addEventListener("open", () => setLive("connected"));
    feed.addEventListener("error", () => {
      setLive("reconnecting");
      // The browser retries by itself unless the server refused outright.
      if (feed.readyState === EventSource.CLOSED) setTimeout(follow, 5000);
    });
    feed.addEventListener("case", (event) => {
      let change;
      try {
        change = JSON.parse(event.data);
      } catch {
        return;
      }
      queue = queue.then(() => refresh(change.case)).catch(() => {});
    });
    return feed;
  };
  let feed = follow();
  // Leaving closes the feed (so the page may be kept for the back button); coming back reopens it.
  window.addEventListener("pagehide", () => feed.close());
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) feed = follow();
  });

  // "Load more": the next page's rows appended where they belong, the link moved on, and the
  // address updated so that a return to this page shows as many rows.
  document.addEventListener("click", async (event) => {
    const more = event.target.closest("#more");
    if (!more || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const target = new URL(more.href);
    const page = target.searchParams.get("upto");
    const url = new URL(target);
    url.hash = "";
    url.searchParams.delete("upto");
    url.searchParams.set("page", page);
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) {
      window.location.href = more.href;
      return;
    }
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const row of doc.querySelectorAll("#cases tbody tr")) {
      if (!document.getElementById(row.id)) rows.append(document.importNode(row, true));
    }
    const paging = doc.getElementById("paging");
    if (paging) document.getElementById("paging").replaceWith(document.importNode(paging, true));
    target.hash = "";
    history.replaceState(history.state, "", target);
  });
})();
