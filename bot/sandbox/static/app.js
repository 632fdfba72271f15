// The sandbox page: four chats drawn from the server's events, no build step.
// Telegram message bodies (view.html) are sanitized by the server (bot/sandbox/render.py):
// only Telegram's formatting tags survive; everything else arrives escaped.
// Zalo messages are plain text and are only ever set as textContent.
"use strict";

const GENERAL = 1;

const store = {
  state: null,
  chats: new Map(),        // chat id -> Map(message id -> view)
  workerId: null,
  officialId: null,
  threadId: GENERAL,
  replyTo: null,           // the officials' message being replied to
  unreadWorkers: new Map(),
  unreadThreads: new Map(),
  zalo: new Map(),         // Zalo chat id -> Map(seq -> view)
  zaloWorkerId: null,
  unreadZalo: new Map(),
};

// ---------------------------------------------------------------------------- helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function initials(name) {
  const words = (name || "?").trim().split(/\s+/);
  return words[words.length - 1].charAt(0).toUpperCase();
}

const PALETTE = ["#e17076", "#7bc862", "#e5ca77", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];
function colorFor(id) {
  return PALETTE[Math.abs(Number(id)) % PALETTE.length];
}

// Times in the bot's time zone (the config's [bot] timezone), whatever the browser's own is.
function timeOf(seconds) {
  const timeZone = (store.state && store.state.timezone) || "Asia/Ho_Chi_Minh";
  return new Date(seconds * 1000).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone });
}

function sizeOf(bytes) {
  if (!bytes) return "";
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${Math.round(bytes / 1024)} KB`
    : `${(bytes / 1048576).toFixed(1)} MB`;
}

// A picture is shown (a tap opens it full size); any other file is offered for download.
function attachment(file) {
  if (file.kind === "photo") {
    return el("a", { class: "photo", href: file.url, target: "_blank", rel: "noopener",
      title: "Mở ảnh cỡ lớn / Open the full-size picture" },
    el("img", { src: file.url, alt: "Ảnh bot gửi / Picture sent by the bot", loading: "lazy" }));
  }
  return el("a", { class: "file", href: file.url, download: file.name,
    title: "Tải tệp về / Download the file" },
  el("span", { class: "file-icon", "aria-hidden": "true" }, "📄"),
  el("span", { class: "file-name" }, file.name),
  el("span", { class: "file-size" }, [sizeOf(file.size), "Tải về / Download"].filter(Boolean).join(" · ")));
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok || data.ok === false) throw new Error(data.error || response.statusText);
  return data;
}

function chat(chatId) {
  if (!store.chats.has(chatId)) store.chats.set(chatId, new Map());
  return store.chats.get(chatId);
}

function languageOf(userId) {
  const person = store.state.workers.find((w) => w.id === userId);
  return person ? person.language : "vi";
}

// ---------------------------------------------------------------------------- chat panes

class ChatPane {
  constructor(options) {
    Object.assign(this, options);
    this.list = document.getElementById(options.listId);
    this.toastBox = this.list.parentElement.querySelector(".toast");
    this.toastTimer = null;
  }

  messages() {
    return [...chat(this.chatId()).values()]
      .filter((view) => this.shows(view))
      .sort((a, b) => a.message_id - b.message_id);
  }

  shows(view) {
    return view.chat_id === this.chatId() && (!this.thread || view.thread_id === this.thread());
  }

  render() {
    const views = this.messages();
    this.list.replaceChildren(...views.map((view) => this.element(view)));
    if (this.emptyView && views.every((view) => view.service)) this.list.append(this.emptyView());
    this.list.scrollTop = this.list.scrollHeight;
  }

  upsert(view, isNew) {
    if (!this.shows(view)) return;
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 120;
    const old = this.list.querySelector(`[data-mid="${view.message_id}"]`);
    const fresh = this.element(view);
    if (old) {
      old.replaceWith(fresh);
      return;
    }
    this.list.querySelector(".empty")?.remove();
    const later = [...this.list.children].find((node) => Number(node.dataset.mid) > view.message_id);
    this.list.insertBefore(fresh, later || null);
    if (isNew && (atBottom || view.from.id === this.actor())) {
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  remove(messageId) {
    this.list.querySelector(`[data-mid="${messageId}"]`)?.remove();
  }

  element(view) {
    if (view.service) {
      return el("div", { class: "msg service", "data-mid": view.message_id }, el("span", {}, view.service));
    }
    const own = view.from.id === this.actor();
    const row = el("div", { class: `msg ${own ? "out" : "in"}`, "data-mid": view.message_id });
    const bubble = el("div", { class: "bubble" });
    if (this.names && !own) {
      const label = view.from.is_bot ? `${view.from.name} · bot` : view.from.name;
      bubble.append(el("div", { class: "sender", style: `color:${colorFor(view.from.id)}` }, label));
    }
    if (view.reply_to) bubble.append(this.quote(view.reply_to));
    if (view.file) bubble.append(attachment(view.file));
    const text = el("div", { class: "text" });
    text.innerHTML = view.html; // sanitized server-side, see the note at the top
    text.querySelectorAll(".spoiler").forEach((s) => s.addEventListener("click", () => s.classList.add("shown")));
    bubble.append(text);
    bubble.append(el("span", { class: "meta" }, (view.edited ? "đã sửa / edited · " : "") + timeOf(view.date)));
    row.append(bubble);
    if (view.keyboard.length) row.append(this.keyboard(view));
    if (this.canReply) {
      row.append(el("button", {
        type: "button", class: "reply-action", title: "Trả lời tin nhắn này / Reply to this message",
        onclick: () => this.startReply(view),
      }, "↩ Trả lời / Reply"));
    }
    return row;
  }

  quote(reply) {
    return el("div", {
      class: "quote", title: "Xem tin nhắn gốc / Show the original message",
      onclick: () => {
        const target = this.list.querySelector(`[data-mid="${reply.message_id}"]`);
        if (!target) return;
        target.scrollIntoView({ block: "center", behavior: "smooth" });
        target.classList.add("flash");
        setTimeout(() => target.classList.remove("flash"), 1200);
      },
    }, el("b", {}, reply.name), el("span", {}, reply.text));
  }

  keyboard(view) {
    const box = el("div", { class: "keyboard" });
    for (const row of view.keyboard) {
      const line = el("div", { class: "kb-row" });
      for (const button of row) {
        if (button.url) {
          line.append(el("a", { class: "kb-button", href: button.url, target: "_blank", rel: "noopener noreferrer" },
            button.text, el("span", { class: "kb-link" }, " ↗")));
        } else if (button.data) {
          line.append(el("button", {
            type: "button", class: "kb-button",
            onclick: (event) => this.press(view, button, event.currentTarget),
          }, button.text));
        } else {
          line.append(el("span", { class: "kb-button disabled" }, button.text));
        }
      }
      box.append(line);
    }
    return box;
  }

  async press(view, button, node) {
    node.classList.add("pressed");
    try {
      await api("/api/click", {
        user_id: this.actor(), chat_id: view.chat_id, message_id: view.message_id, data: button.data,
      });
    } catch (error) {
      this.toast(error.message, true);
    } finally {
      setTimeout(() => node.classList.remove("pressed"), 400);
    }
  }

  async send(text) {
    const body = { user_id: this.actor(), chat_id: this.chatId(), text };
    if (this.extraSend) Object.assign(body, this.extraSend());
    await api("/api/send", body);
  }

  toast(text, alert = false) {
    this.toastBox.textContent = text;
    this.toastBox.classList.toggle("alert", alert);
    this.toastBox.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toastBox.hidden = true; }, alert ? 5000 : 2500);
  }
}

function startView(pane) {
  return () => el("div", { class: "empty" },
    el("div", { class: "avatar bot big" }, "Đ"),
    el("p", {}, el("b", {}, "Đối thoại"), el("br"),
      "Kênh hỏi đáp của Công đoàn với đoàn viên, người lao động.",
      el("span", { class: "en" }, "The union's question channel for its members and workers.")),
    el("button", {
      type: "button", class: "start-button",
      onclick: () => pane.send("/start").catch((error) => pane.toast(error.message, true)),
    }, "BẮT ĐẦU", el("small", {}, "START")));
}

const panes = {
  worker: new ChatPane({
    listId: "worker-messages",
    chatId: () => store.workerId,
    actor: () => store.workerId,
  }),
  officials: new ChatPane({
    listId: "officials-messages",
    chatId: () => store.state.group.id,
    actor: () => store.officialId,
    thread: () => store.threadId,
    names: true,
    canReply: true,
    extraSend: () => {
      const body = {};
      const thread = store.replyTo ? store.replyTo.thread_id : store.threadId;
      if (thread !== GENERAL) body.thread_id = thread;
      if (store.replyTo) body.reply_to = store.replyTo.message_id;
      return body;
    },
    startReply: (view) => setReply(view),
  }),
  organizer: new ChatPane({
    listId: "organizer-messages",
    chatId: () => store.state.organizer.id,
    actor: () => store.state.organizer.id,
  }),
};
panes.worker.emptyView = startView(panes.worker);
panes.organizer.emptyView = startView(panes.organizer);
panes.officials.emptyView = () => el("div", { class: "empty quiet" },
  el("p", {}, "Chưa có tin nhắn trong chủ đề này.", el("span", { class: "en" }, "No messages in this topic yet.")),
  el("p", {}, "Câu hỏi của người lao động (Telegram hay Zalo) đến đây dưới dạng thẻ, trong chủ đề tương ứng.",
    el("span", { class: "en" }, "Workers' questions (Telegram or Zalo) arrive here as cards, in their topic.")));

// ---------------------------------------------------------------------------- the Zalo phone

function zaloChat(chatId) {
  if (!store.zalo.has(chatId)) store.zalo.set(chatId, new Map());
  return store.zalo.get(chatId);
}

// Zalo draws a 1:1 chat its own way: blue header, light background, the bot's avatar
// beside the first of its messages in a row, plain text with numbered choices.
class ZaloPane {
  constructor() {
    this.list = document.getElementById("zalo-messages");
    this.toastBox = this.list.parentElement.querySelector(".toast");
    this.toastTimer = null;
  }

  chatId() { return store.zaloWorkerId; }

  views() {
    return [...zaloChat(this.chatId()).values()].sort((a, b) => a.seq - b.seq);
  }

  render() {
    const views = this.views();
    this.list.replaceChildren(...views.map((view, i) => this.element(view, views[i - 1])));
    if (!views.length) this.list.append(this.emptyView());
    this.list.scrollTop = this.list.scrollHeight;
  }

  upsert(view) {
    if (view.chat_id !== this.chatId()) return;
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 120;
    if (this.list.querySelector(`[data-seq="${view.seq}"]`)) return;  // Zalo messages never change
    this.list.querySelector(".empty")?.remove();
    const later = [...this.list.children].find((node) => Number(node.dataset.seq) > view.seq);
    const previous = zaloChat(view.chat_id).get(view.seq - 1);
    this.list.insertBefore(this.element(view, previous), later || null);
    if (later) this.render();  // out of order: redraw, so avatars group correctly
    else if (atBottom || !view.from.is_bot) this.list.scrollTop = this.list.scrollHeight;
  }

  element(view, previous) {
    const own = !view.from.is_bot;
    const first = !previous || previous.from.is_bot !== view.from.is_bot;
    const row = el("div", { class: `zmsg ${own ? "out" : "in"}${first ? " first" : ""}`, "data-seq": view.seq });
    if (!own) {
      row.append(first ? el("span", { class: "avatar zalo-bot small", "aria-hidden": "true" }, "Đ")
        : el("span", { class: "avatar-gap" }));
    }
    const bubble = el("div", { class: "zbubble" });
    if (view.label) bubble.append(el("div", { class: "zlabel" }, view.label));
    if (view.text) bubble.append(el("div", { class: "ztext" }, view.text));
    bubble.append(el("span", { class: "ztime" }, timeOf(view.date)));
    row.append(bubble);
    return row;
  }

  emptyView() {
    return el("div", { class: "empty zalo-empty" },
      el("div", { class: "avatar zalo-bot big" }, "Đ"),
      el("p", {}, el("b", {}, "Đối thoại"), el("br"),
        "Kênh hỏi đáp của Công đoàn với đoàn viên, người lao động.",
        el("span", { class: "en" }, "The union's question channel for its members and workers.")),
      el("p", {}, "Gõ ", el("b", {}, "hỏi"), " để đặt câu hỏi, ", el("b", {}, "trợ giúp"), " để xem hướng dẫn.",
        el("span", { class: "en" }, "Type “hỏi” to ask a question, “trợ giúp” for help.")));
  }

  async send(text) {
    await api("/api/zalo/send", { user_id: this.chatId(), text });
  }

  toast(text, alert = false) {
    ChatPane.prototype.toast.call(this, text, alert);
  }
}

const zaloPane = new ZaloPane();

function renderZaloWorkers() {
  const workers = store.state.zalo.workers;
  document.getElementById("zalo-worker-list").replaceChildren(...workers.map((worker) => {
    const unread = store.unreadZalo.get(worker.id) || 0;
    const active = worker.id === store.zaloWorkerId;
    return el("button", {
      type: "button", role: "tab", class: "person" + (active ? " active" : ""),
      "aria-selected": active ? "true" : "false",
      onclick: () => selectZaloWorker(worker.id),
    },
    el("span", { class: "avatar small zalo-user" }, initials(worker.name)),
    el("span", { class: "person-name" }, worker.name),
    unread ? el("span", { class: "badge" }, String(unread)) : null);
  }));
  const current = workers.find((w) => w.id === store.zaloWorkerId);
  document.getElementById("zalo-worker-name").textContent = current ? current.name : "";
}

function selectZaloWorker(id) {
  store.zaloWorkerId = id;
  store.unreadZalo.delete(id);
  renderZaloWorkers();
  zaloPane.render();
}

function applyZaloMessage(view) {
  const messages = zaloChat(view.chat_id);
  const known = messages.has(view.seq);
  messages.set(view.seq, view);
  zaloPane.upsert(view);
  if (!known && view.from.is_bot && view.chat_id !== store.zaloWorkerId) {
    store.unreadZalo.set(view.chat_id, (store.unreadZalo.get(view.chat_id) || 0) + 1);
    renderZaloWorkers();
  }
}

// ---------------------------------------------------------------------------- the side lists

function renderWorkers() {
  const list = document.getElementById("worker-list");
  const chips = store.state.workers.map((worker) => {
    const unread = store.unreadWorkers.get(worker.id) || 0;
    return el("button", {
      type: "button", role: "tab", class: "person" + (worker.id === store.workerId ? " active" : ""),
      "aria-selected": worker.id === store.workerId ? "true" : "false",
      onclick: () => selectWorker(worker.id),
    },
    el("span", { class: "avatar small", style: `background:${colorFor(worker.id)}` }, initials(worker.name)),
    el("span", { class: "person-name" }, worker.name),
    worker.language === "en" ? el("span", { class: "lang" }, "EN") : null,
    unread ? el("span", { class: "badge" }, String(unread)) : null);
  });
  chips.push(el("button", {
    type: "button", class: "person add", title: "Thêm một người lao động / Add a worker",
    onclick: () => toggleAddWorker(true),
  }, "+ Thêm / Add"));
  list.replaceChildren(...chips);
  const current = store.state.workers.find((w) => w.id === store.workerId);
  document.getElementById("worker-name").textContent = current ? current.name : "";
}

function selectWorker(id) {
  store.workerId = id;
  store.unreadWorkers.delete(id);
  renderWorkers();
  renderCommands(document.getElementById("worker-composer"), id);
  panes.worker.render();
}

function renderTopics() {
  const nav = document.getElementById("topic-list");
  nav.replaceChildren(...store.state.group.topics.map((topic) => {
    const unread = store.unreadThreads.get(topic.thread_id) || 0;
    const active = topic.thread_id === store.threadId;
    return el("button", {
      type: "button", class: "topic" + (active ? " active" : ""), "data-thread": topic.thread_id,
      "aria-current": active ? "true" : null,
      onclick: () => selectTopic(topic.thread_id),
    },
    el("span", { class: "topic-icon", style: `background:${topic.thread_id === GENERAL ? "#8e99a4" : colorFor(topic.thread_id)}` },
      topic.thread_id === GENERAL ? "#" : initials(topic.name.split(/[,:]/)[0].split(" ")[0])),
    el("span", { class: "topic-name" }, topic.name),
    unread ? el("span", { class: "badge" }, String(unread)) : null);
  }));
  const topic = store.state.group.topics.find((t) => t.thread_id === store.threadId);
  document.getElementById("topic-title").textContent = topic ? `Chủ đề / Topic: ${topic.name}` : "";
}

function selectTopic(threadId) {
  store.threadId = threadId;
  store.unreadThreads.delete(threadId);
  if (store.replyTo && store.replyTo.thread_id !== threadId) setReply(null);
  renderTopics();
  panes.officials.render();
}

function setReply(view) {
  store.replyTo = view;
  const bar = document.getElementById("reply-bar");
  bar.hidden = !view;
  if (view) {
    if (view.thread_id !== store.threadId) selectTopic(view.thread_id);
    const plain = el("div", {});
    plain.innerHTML = view.html;
    document.getElementById("reply-text").textContent =
      `${view.from.name}: ${plain.textContent.replace(/\s+/g, " ").slice(0, 90)}`;
    document.querySelector("#officials-composer textarea").focus();
  }
}

function renderOfficials() {
  const select = document.getElementById("official-select");
  select.replaceChildren(...store.state.officials.map((o) =>
    el("option", { value: o.id, selected: o.id === store.officialId }, o.name)));
  document.getElementById("group-title").textContent = store.state.group.title;
}

function renderCommands(form, userId) {
  const menu = form.querySelector(".commands-menu");
  if (!menu) return;
  const commands = (languageOf(userId) === "en" && store.state.commands.en.length)
    ? store.state.commands.en : store.state.commands.default;
  menu.replaceChildren(...commands.map((c) => el("button", {
    type: "button", class: "command", "data-command": c.command,
  }, el("b", {}, "/" + c.command), " ", el("span", {}, c.description))));
}

// ---------------------------------------------------------------------------- events

function applyState(state, reset) {
  store.state = state;
  store.chats = new Map();
  for (const view of state.messages) chat(view.chat_id).set(view.message_id, view);
  const workerIds = state.workers.map((w) => w.id);
  if (!workerIds.includes(store.workerId)) store.workerId = workerIds[0];
  if (!state.officials.some((o) => o.id === store.officialId)) store.officialId = state.officials[0].id;
  if (!state.group.topics.some((t) => t.thread_id === store.threadId)) store.threadId = GENERAL;
  for (const id of [...store.unreadWorkers.keys()]) if (!workerIds.includes(id)) store.unreadWorkers.delete(id);
  if (store.replyTo && !chat(state.group.id).has(store.replyTo.message_id)) setReply(null);
  store.zalo = new Map();
  for (const view of state.zalo.messages) zaloChat(view.chat_id).set(view.seq, view);
  const zaloIds = state.zalo.workers.map((w) => w.id);
  if (!zaloIds.includes(store.zaloWorkerId)) store.zaloWorkerId = zaloIds[0] ?? null;
  if (reset) { store.unreadWorkers.clear(); store.unreadThreads.clear(); store.unreadZalo.clear(); }
  document.getElementById("organizer-name").textContent = state.organizer.name;
  renderWorkers();
  renderZaloWorkers();
  renderTopics();
  renderOfficials();
  renderCommands(document.getElementById("worker-composer"), store.workerId);
  renderCommands(document.getElementById("organizer-composer"), state.organizer.id);
  Object.values(panes).forEach((pane) => pane.render());
  zaloPane.render();
}

function applyMessage(view, isNew) {
  chat(view.chat_id).set(view.message_id, view);
  if (store.replyTo && store.replyTo.chat_id === view.chat_id && store.replyTo.message_id === view.message_id) {
    store.replyTo = view;
  }
  for (const pane of Object.values(panes)) pane.upsert(view, isNew);
  if (!isNew || view.service) return;
  const worker = store.state.workers.find((w) => w.id === view.chat_id);
  if (worker && worker.id !== store.workerId && view.from.is_bot) {
    store.unreadWorkers.set(worker.id, (store.unreadWorkers.get(worker.id) || 0) + 1);
    renderWorkers();
  }
  if (view.chat_id === store.state.group.id && view.thread_id !== store.threadId
      && view.from.id !== store.officialId) {
    store.unreadThreads.set(view.thread_id, (store.unreadThreads.get(view.thread_id) || 0) + 1);
    renderTopics();
  }
}

function applyEvent(event) {
  if (event.type === "state") return applyState(event.state, event.reset);
  if (!store.state) return;
  if (event.type === "message") return applyMessage(event.message, true);
  if (event.type === "zalo") return applyZaloMessage(event.message);
  if (event.type === "edit") return applyMessage(event.message, false);
  if (event.type === "delete") {
    chat(event.chat_id).delete(event.message_id);
    Object.values(panes).forEach((pane) => { if (pane.chatId() === event.chat_id) pane.remove(event.message_id); });
    return;
  }
  if (event.type === "toast") {
    const pane = Object.values(panes).find((p) => p.chatId() === event.chat_id);
    if (pane) pane.toast(event.text, event.alert);
  }
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => { live.textContent = "● Trực tiếp / Live"; live.className = "live on"; };
  source.onerror = () => { live.textContent = "Đang kết nối lại… / Reconnecting…"; live.className = "live off"; };
  source.onmessage = (message) => applyEvent(JSON.parse(message.data));
}

// ---------------------------------------------------------------------------- composers

function wireComposer(form, pane, afterSend) {
  const input = form.querySelector("textarea");
  const grow = () => { input.style.height = "auto"; input.style.height = `${Math.min(input.scrollHeight, 140)}px`; };
  input.addEventListener("input", grow);
  input.addEventListener("keydown", (event) => {
    // isComposing: Vietnamese input methods use Enter while composing a syllable.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.disabled = true;
    try {
      await pane.send(text);
      input.value = "";
      grow();
      if (afterSend) afterSend();
    } catch (error) {
      pane.toast(error.message, true);
    } finally {
      input.disabled = false;
      input.focus();
    }
  });
  const menuButton = form.querySelector(".commands-button");
  const menu = form.querySelector(".commands-menu");
  if (menuButton && menu) {
    menuButton.addEventListener("click", () => { menu.hidden = !menu.hidden; });
    menu.addEventListener("click", (event) => {
      const item = event.target.closest("[data-command]");
      if (!item) return;
      menu.hidden = true;
      pane.send("/" + item.dataset.command).catch((error) => pane.toast(error.message, true));
    });
  }
}

function toggleAddWorker(open) {
  const form = document.getElementById("add-worker");
  form.hidden = !open;
  if (open) form.elements.name.focus();
}

function wirePage() {
  wireComposer(document.getElementById("worker-composer"), panes.worker);
  wireComposer(document.getElementById("officials-composer"), panes.officials, () => setReply(null));
  wireComposer(document.getElementById("organizer-composer"), panes.organizer);
  wireComposer(document.getElementById("zalo-composer"), zaloPane);
  document.getElementById("reply-cancel").addEventListener("click", () => setReply(null));
  document.getElementById("official-select").addEventListener("change", (event) => {
    store.officialId = Number(event.target.value);
    panes.officials.render();
  });
  const addForm = document.getElementById("add-worker");
  addForm.querySelector("[data-cancel]").addEventListener("click", () => toggleAddWorker(false));
  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { worker } = await api("/api/workers", {
        name: addForm.elements.name.value, language: addForm.elements.language.value,
      });
      addForm.reset();
      toggleAddWorker(false);
      selectWorker(worker.id);
    } catch (error) {
      panes.worker.toast(error.message, true);
    }
  });
  const reset = document.getElementById("reset");
  reset.addEventListener("click", async () => {
    if (!window.confirm("Xóa mọi câu hỏi, tin nhắn và bắt đầu lại từ đầu?\n"
      + "Delete every question and message and start over?")) return;
    reset.disabled = true;
    reset.textContent = "Đang làm lại… / Restarting…";
    try {
      await api("/api/reset", {});
      setReply(null);
    } catch (error) {
      panes.worker.toast(error.message, true);
    } finally {
      reset.disabled = false;
      reset.textContent = "↺ Làm lại từ đầu / Start over";
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".composer")) document.querySelectorAll(".commands-menu").forEach((m) => { m.hidden = true; });
  });
}

wirePage();
connect();
