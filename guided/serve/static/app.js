// guided serve: the library and a player per session. Plain JavaScript, no build step.
// Every address is relative, so the page works the same under /TOKEN/ on the local network.
"use strict";

const view = document.getElementById("view");
const SVG = "http://www.w3.org/2000/svg";
const ICONS = { play: "M8 5v14l11-7z", pause: "M6 5h4v14H6zm8 0h4v14h-4z" };
let player = null; // the session on screen: { key, audio, poll, saveAt }

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) element.append(child);
  }
  return element;
}

function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor(s / 60) % 60;
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

function length(row) {
  return (row.estimated ? "about " : "") + clock(row.seconds);
}

async function api(path, options) {
  const response = await fetch(path, { cache: "no-store", ...options });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response.json();
}

function show(...children) {
  view.replaceChildren(...children);
  window.scrollTo(0, 0);
}

function stopPlayer() {
  if (!player) return;
  clearTimeout(player.poll);
  if (player.audio) {
    player.audio.pause();
    player.audio.removeAttribute("src");
    player.audio.load();
  }
  player = null;
}

// --- the library --------------------------------------------------------------------------

function sessionLink(row) {
  const state = row.state === "ready" ? "ready" : ["queued", "exporting"].includes(row.state) ? "busy" : "";
  const label = row.state === "ready" ? "ready" : row.state === "exporting" ? "preparing" : "not prepared yet";
  return h("li", {},
    h("a", { class: "session", href: `#/${encodeURIComponent(row.key)}`, "data-id": row.id, "data-key": row.key },
      h("span", { class: `dot ${state}`, title: label, "aria-label": label }),
      h("span", { class: "name" },
        h("span", { class: "title" }, row.title),
        h("span", { class: "meta" }, `${row.kind} · ${length(row)}`))));
}

async function showLibrary() {
  stopPlayer();
  document.title = "guided";
  let library;
  try {
    library = await api("api/library");
  } catch (error) {
    show(h("p", { class: "error" }, `The library could not be loaded (${error.message}).`));
    return;
  }
  const loose = library.sessions.filter((row) => !row.series);
  const series = new Map();
  for (const row of library.sessions.filter((r) => r.series)) {
    if (!series.has(row.series)) series.set(row.series, []);
    series.get(row.series).push(row);
  }
  const groups = [];
  if (loose.length) groups.push(h("h2", {}, "Sessions"), h("ul", { class: "list" }, loose.map(sessionLink)));
  for (const [name, rows] of series) {
    rows.sort((a, b) => (a.part || 0) - (b.part || 0));
    groups.push(h("h2", {}, name), h("ul", { class: "list" }, rows.map(sessionLink)));
  }
  const count = library.sessions.length;
  show(h("h1", {}, library.title === "guided" ? "Your library" : library.title),
    h("p", { class: "quiet" }, `${count} session${count === 1 ? "" : "s"}. Tap one to listen. `,
      h("span", { class: "dot ready inline" }), " ready at once; ", h("span", { class: "dot inline" }),
      " prepared the first time you open it."),
    ...groups);
}

// --- one session --------------------------------------------------------------------------

async function showSession(key) {
  stopPlayer();
  player = { key };
  const mine = player;
  let row;
  try {
    row = await api(`api/sessions/${encodeURIComponent(key)}`);
  } catch (error) {
    show(h("a", { class: "back", href: "#" }, "← Library"), h("p", { class: "error" }, "No such session here."));
    return;
  }
  document.title = `${row.title} · guided`;
  const status = h("div", { class: "panel", id: "status" });
  const top = header(row);
  show(h("a", { class: "back", href: "#" }, "← Library"), top, status);
  if (row.state !== "ready") {
    row = await prepare(row, status, mine);
    if (row && player === mine) top.replaceWith(header(row)); // the real length, and the cover
  }
  if (row && player === mine) showPlayer(row, status);
}

function header(row) {
  return h("div", { class: "head" },
    row.art ? h("img", { src: row.art, alt: "" }) : null,
    h("div", {},
      h("h1", {}, row.title),
      h("p", { class: "meta" }, `${row.kind}${row.series ? ` · ${row.series}` : ""} · ${length(row)}`),
      row.description ? h("p", { class: "description" }, row.description) : null));
}

// Ask for the export (if none is under way) and show its progress until the audio is ready.
async function prepare(row, box, mine) {
  const bar = h("progress", { max: "100", value: "0" });
  const words = h("p", { class: "quiet" }, "Preparing the audio…");
  box.replaceChildren(words, bar);
  try {
    // Asked for whatever its state: one the podcast feed queued (or is exporting in the background)
    // goes to the front for a listener waiting here.
    row = await api(`api/sessions/${encodeURIComponent(row.key)}/export`, { method: "POST" });
    while (player === mine && row.state !== "ready" && row.state !== "failed") {
      if (row.state === "queued") {
        words.textContent = "Waiting for another session to be prepared first…";
        bar.removeAttribute("value");
      } else if (!row.progress) {
        // The speech is rendered first; the export counts its progress once the audio is encoded.
        words.textContent = "Preparing the audio: rendering the speech…";
        bar.removeAttribute("value");
      } else {
        const percent = Math.round(row.progress * 100);
        words.textContent = `Preparing the audio: ${percent}%`;
        bar.value = percent;
      }
      await new Promise((resolve) => { mine.poll = setTimeout(resolve, 700); });
      row = await api(`api/sessions/${encodeURIComponent(row.key)}`);
    }
  } catch (error) {
    row = { ...row, state: "failed", error: error.message };
  }
  if (row.state === "failed") {
    box.replaceChildren(h("p", { class: "error" }, `This session could not be prepared: ${row.error || "unknown error"}`),
      h("button", { onclick: () => showSession(row.key) }, "Try again"));
    return null;
  }
  return row;
}

function showPlayer(row, box) {
  const audio = h("audio", { preload: "metadata", src: row.audio });
  const track = h("track", { kind: "captions", src: row.captions, srclang: "en", label: "Captions", default: true });
  audio.append(track);
  player.audio = audio;
  const play = h("button", { id: "play", "aria-label": "Play" }, icon("play"));
  const back = h("button", { id: "back", "aria-label": "Back 15 seconds" }, "−15 s");
  const ahead = h("button", { id: "ahead", "aria-label": "Forward 15 seconds" }, "+15 s");
  const seek = h("input", { class: "seek", type: "range", min: "0", max: String(row.seconds || 0), step: "1", value: "0",
    "aria-label": "Position" });
  const elapsed = h("span", {}, "0:00");
  const left = h("span", {}, `−${clock(row.seconds)}`);
  const caption = h("p", { class: "caption", id: "caption" });
  const hint = h("p", { class: "caption quiet" }, "The words appear here as they are spoken.");
  const resume = h("div", { class: "actions" });
  const chapters = (row.chapters || []).map((chapter) => h("li", {},
    h("button", { class: "chapter", "data-start": String(chapter.start), onclick: () => jump(audio, chapter.start) },
      h("span", {}, chapter.title), h("span", { class: "at" }, clock(chapter.start)))));
  const name = row.audio.split("/").pop();
  box.replaceChildren(audio,
    h("div", { class: "controls" }, back, play, ahead),
    seek, h("div", { class: "times" }, elapsed, left),
    hint, caption, resume);
  caption.hidden = true;
  box.after(
    chapters.length ? h("section", { class: "panel" }, h("h2", {}, "Chapters"),
      h("ol", { class: "chapters", id: "chapters" }, chapters)) : "",
    row.map ? h("section", { class: "panel" }, h("h2", {}, "The shape of this session"),
      // On a phone the map keeps a readable size and scrolls sideways in its frame.
      h("div", { class: "map-frame" },
        h("a", { href: row.map, target: "_blank", title: "Open the map full size" },
          h("img", { class: "map", id: "map", src: row.map, loading: "lazy",
            alt: "A map of the session over time: spoken phrases, silences, bells and the background's level" }))),
      h("p", { class: "quiet map-hint" }, "Swipe sideways to see the whole session.")) : "",
    h("div", { class: "actions" },
      h("a", { class: "button", href: row.audio, download: name }, `Download (${Math.round(row.bytes / 1e5) / 10} MB)`),
      h("a", { class: "button", href: row.captions, download: row.captions.split("/").pop() }, "Captions")));

  track.track.mode = "hidden"; // loaded and followed here, shown in our own caption line
  track.track.addEventListener("cuechange", () => {
    const cues = Array.from(track.track.activeCues || []);
    caption.textContent = cues.map((cue) => cue.text).join(" ");
    caption.hidden = false;
    hint.hidden = true;
  });
  play.addEventListener("click", () => (audio.paused ? audio.play() : audio.pause()));
  back.addEventListener("click", () => { audio.currentTime = Math.max(0, audio.currentTime - 15); });
  ahead.addEventListener("click", () => { audio.currentTime = Math.min(audio.duration || row.seconds, audio.currentTime + 15); });
  seek.addEventListener("input", () => { audio.currentTime = Number(seek.value); });
  const playing = (on) => {
    play.replaceChildren(icon(on ? "pause" : "play"));
    play.setAttribute("aria-label", on ? "Pause" : "Play");
  };
  audio.addEventListener("play", () => playing(true));
  audio.addEventListener("pause", () => playing(false));
  audio.addEventListener("loadedmetadata", () => {
    seek.max = String(Math.floor(audio.duration));
    offerResume(row.key, audio, resume);
  });
  audio.addEventListener("timeupdate", () => {
    const now = audio.currentTime;
    const total = audio.duration || row.seconds;
    seek.value = String(Math.floor(now));
    elapsed.textContent = clock(now);
    left.textContent = `−${clock(total - now)}`;
    let current = -1;
    (row.chapters || []).forEach((chapter, index) => { if (now >= chapter.start - 0.25) current = index; });
    chapters.forEach((li, index) => li.firstChild.classList.toggle("now", index === current));
    remember(row.key, now, total);
  });
  audio.addEventListener("ended", () => localStorage.removeItem(`guided:at:${row.key}`));
  lockScreen(row, audio);
}

function jump(audio, seconds) {
  audio.currentTime = seconds;
  if (audio.paused) audio.play();
}

// Where a listener stopped, kept on this device only, offered when the session is opened again.
function remember(key, now, total) {
  if (!player || Date.now() - (player.saveAt || 0) < 5000) return;
  player.saveAt = Date.now();
  if (now > 15 && now < total - 15) localStorage.setItem(`guided:at:${key}`, String(Math.floor(now)));
}

function offerResume(key, audio, box) {
  const saved = Number(localStorage.getItem(`guided:at:${key}`) || 0);
  if (saved > 15 && saved < audio.duration - 15) {
    box.replaceChildren(h("button", { onclick: () => { jump(audio, saved); box.replaceChildren(); } },
      `Resume at ${clock(saved)}`));
  }
}

// Play, pause and skip from the lock screen or headphones, where the browser supports it.
function lockScreen(row, audio) {
  if (!("mediaSession" in navigator)) return;
  const art = row.art ? [{ src: new URL(row.art, location.href).href }] : [];
  navigator.mediaSession.metadata = new MediaMetadata({ title: row.title, artist: "guided", album: row.series || "guided", artwork: art });
  const handlers = {
    play: () => audio.play(),
    pause: () => audio.pause(),
    seekbackward: () => { audio.currentTime = Math.max(0, audio.currentTime - 15); },
    seekforward: () => { audio.currentTime = Math.min(audio.duration, audio.currentTime + 15); },
    seekto: (details) => { audio.currentTime = details.seekTime; },
  };
  for (const [action, handler] of Object.entries(handlers)) {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch (error) { /* not supported here */ }
  }
}

// --- the address bar decides what is shown ----------------------------------------------------

function route() {
  const key = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  if (key) showSession(key);
  else showLibrary();
}

const feed = new URL("feed.xml", location.href).href;
document.getElementById("feed").replaceChildren("Podcast feed (paste into a podcast app): ",
  h("a", { href: "feed.xml" }, feed));
window.addEventListener("hashchange", route);
route();
