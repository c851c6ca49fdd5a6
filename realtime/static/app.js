// signlang live page: webcam -> JPEG frames over /ws -> top-3 and sentence from the server.
// At most one frame is in flight, and frames go at most client_fps per second (/config).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { socket: null, sent: 0, busy: false, lastSent: 0, config: null, lastError: null,
  canvas: document.createElement("canvas") };
const RETRY_MS = { 1013: 10000, 1001: 5000, default: 2000 };

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function showTop3(top3) {
  const list = $("top3");
  list.replaceChildren(...top3.map(({ label, p }) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "label";
    name.dir = "auto"; // a right-to-left label (شكرا) reads right to left
    name.textContent = label;
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", String(Math.round(p * 100)));
    bar.setAttribute("aria-label", label);
    const fill = document.createElement("span");
    fill.style.width = `${(p * 100).toFixed(1)}%`;
    bar.append(fill);
    const value = document.createElement("span");
    value.textContent = `${Math.round(p * 100)}%`;
    item.append(name, bar, value);
    return item;
  }));
}

function onMessage(event) {
  const reply = JSON.parse(event.data);
  state.busy = false;
  if (reply.error) {
    state.lastError = reply.error;
    setStatus(`server: ${reply.error}`, true);
    return;
  }
  if (reply.top3) showTop3(reply.top3);
  if (reply.sentence) $("sentence").textContent = reply.sentence.length ? reply.sentence.join(" ") : "—";
  if ("hand_visible" in reply) $("hand").textContent = reply.hand_visible ? "hand seen" : "no hand seen";
  setStatus(`connected · frames sent ${state.sent} · processed ${reply.frames} · server ${reply.fps ?? 0} fps`);
  $("status").dataset.frames = String(reply.frames);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { state.busy = false; state.lastError = null; setStatus("connected"); };
  socket.onmessage = onMessage;
  socket.onclose = (event) => {
    // 1013: the server is full (serve.max_sessions); 1001: it is shutting down.
    const wait = RETRY_MS[event.code] ?? RETRY_MS.default;
    const why = state.lastError ? `: ${state.lastError}` : "";
    setStatus(`disconnected (${event.code})${why}; retrying in ${wait / 1000} s…`, true);
    $("status").dataset.closeCode = String(event.code);
    setTimeout(connect, wait);
  };
  state.socket = socket;
}

function sendFrame() {
  const video = $("camera");
  const { socket, config, canvas } = state;
  const interval = 1000 / config.client_fps;
  const now = performance.now();
  if (!socket || socket.readyState !== WebSocket.OPEN || state.busy || now - state.lastSent < interval || !video.videoWidth) return;
  const width = Math.min(config.frame_width, video.videoWidth);
  canvas.width = width;
  canvas.height = Math.round(video.videoHeight * width / video.videoWidth);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  state.busy = true;
  state.lastSent = now;
  canvas.toBlob((blob) => {
    if (!blob || socket.readyState !== WebSocket.OPEN) { state.busy = false; return; }
    blob.arrayBuffer().then((buffer) => { socket.send(buffer); state.sent += 1; });
  }, "image/jpeg", config.jpeg_quality);
}

// A browser gives the camera only to a secure context: https://, or http://localhost on this machine.
function cameraBlocked() {
  if (window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) return false;
  const https = `https://${location.host}/`;
  $("insecure").hidden = false;
  $("insecure").textContent =
    `The camera is blocked: this page was opened over plain HTTP (${location.origin}), which the browser ` +
    `does not trust with a camera. Open it on the server's own machine as http://localhost:${location.port || 80}/, ` +
    `or start the server with HTTPS (signlang serve --host 0.0.0.0 --ssl-certfile cert.pem --ssl-keyfile key.pem) ` +
    `and open ${https}`;
  setStatus("camera blocked: not a secure context (use HTTPS)", true);
  return true;
}

async function start() {
  if (cameraBlocked()) return;
  try {
    state.config = await (await fetch("/config")).json();
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: state.config.frame_width } }, audio: false });
    $("camera").srcObject = stream;
  } catch (error) {
    setStatus(`cannot start the camera: ${error.message || error}`, true);
    return;
  }
  $("reset").addEventListener("click", () => state.socket && state.socket.send("reset"));
  connect();
  setInterval(sendFrame, 15);
}

start();
