// spice_auto.html's controls for the guest agent: the indicator in the
// bar, and the clipboard, files and display panels. Everything goes
// through SpiceConsole's public API, as an embedder's own controls would.

import type { ScalingSetting } from "./agent";
import type { SpiceConsole } from "./console";
import { parseScaling } from "./layout";
import { parseMonitorsMode } from "./monitors";
import { type Settings, type StorageLike, loadSettings, saveSettings } from "./settings";
import { type FileTransfer, describeTransfer, finished } from "./transfers";
import { maxTypedChars } from "./typing";

interface AgentElements {
  agent: HTMLElement;
  clipboardButton: HTMLButtonElement;
  filesButton: HTMLButtonElement;
  filesBadge: HTMLElement;
  settingsButton: HTMLButtonElement;
  clipboardPanel: HTMLElement;
  clipStatus: HTMLElement;
  clipAllowRow: HTMLElement;
  clipAllow: HTMLButtonElement;
  clipGuestBox: HTMLElement;
  clipGuest: HTMLTextAreaElement;
  clipGuestImage: HTMLImageElement;
  clipCopy: HTMLButtonElement;
  clipSave: HTMLAnchorElement;
  clipCopyNote: HTMLElement;
  clipSendLabel: HTMLElement;
  clipSendText: HTMLTextAreaElement;
  clipSend: HTMLButtonElement;
  clipSendNote: HTMLElement;
  filesPanel: HTMLElement;
  filesStatus: HTMLElement;
  filesChoose: HTMLButtonElement;
  filesClear: HTMLButtonElement;
  filesInput: HTMLInputElement;
  filesList: HTMLElement;
  settingsPanel: HTMLElement;
  scalingOptions: HTMLElement;
  remoteNote: HTMLElement;
  hidpi: HTMLInputElement;
  monitorsOptions: HTMLElement;
}

function elements(doc: Document): AgentElements {
  const get = <T extends HTMLElement>(id: string, type: new () => T): T => {
    const el = doc.getElementById(id);
    if (!(el instanceof type)) throw new Error(`spice_auto.html: #${id} is missing`);
    return el;
  };
  return {
    agent: get("agent", HTMLElement),
    clipboardButton: get("clipboard-button", HTMLButtonElement),
    filesButton: get("files-button", HTMLButtonElement),
    filesBadge: get("files-badge", HTMLElement),
    settingsButton: get("settings-button", HTMLButtonElement),
    clipboardPanel: get("clipboard-panel", HTMLElement),
    clipStatus: get("clip-status", HTMLElement),
    clipAllowRow: get("clip-allow-row", HTMLElement),
    clipAllow: get("clip-allow", HTMLButtonElement),
    clipGuestBox: get("clip-guest-box", HTMLElement),
    clipGuest: get("clip-guest", HTMLTextAreaElement),
    clipGuestImage: get("clip-guest-image", HTMLImageElement),
    clipCopy: get("clip-copy", HTMLButtonElement),
    clipSave: get("clip-save", HTMLAnchorElement),
    clipCopyNote: get("clip-copy-note", HTMLElement),
    clipSendLabel: get("clip-send-label", HTMLElement),
    clipSendText: get("clip-send-text", HTMLTextAreaElement),
    clipSend: get("clip-send", HTMLButtonElement),
    clipSendNote: get("clip-send-note", HTMLElement),
    filesPanel: get("files-panel", HTMLElement),
    filesStatus: get("files-status", HTMLElement),
    filesChoose: get("files-choose", HTMLButtonElement),
    filesClear: get("files-clear", HTMLButtonElement),
    filesInput: get("files-input", HTMLInputElement),
    filesList: get("files-list", HTMLElement),
    settingsPanel: get("settings-panel", HTMLElement),
    scalingOptions: get("scaling-options", HTMLElement),
    remoteNote: get("remote-note", HTMLElement),
    hidpi: get("hidpi", HTMLInputElement),
    monitorsOptions: get("monitors-options", HTMLElement),
  };
}

/** Wires the agent's controls of spice_auto.html to con. */
export function setupAgentBar(doc: Document, con: SpiceConsole, storage: StorageLike | null): void {
  const el = elements(doc);
  const panels: Array<[HTMLButtonElement, HTMLElement]> = [
    [el.clipboardButton, el.clipboardPanel],
    [el.filesButton, el.filesPanel],
    [el.settingsButton, el.settingsPanel],
  ];
  const open = (which: HTMLElement | null) => {
    for (const [button, panel] of panels) {
      const on = panel === which;
      panel.hidden = !on;
      button.setAttribute("aria-expanded", String(on));
    }
  };
  const isOpen = (panel: HTMLElement) => !panel.hidden;
  for (const [button, panel] of panels) {
    button.addEventListener("click", () => open(isOpen(panel) ? null : panel));
    panel.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      open(null);
      con.focus();
    });
    for (const close of Array.from(panel.querySelectorAll<HTMLButtonElement>("[data-close]"))) {
      close.addEventListener("click", () => {
        open(null);
        con.focus();
      });
    }
  }

  // ---- the indicator ----
  const showAgent = () => {
    const a = con.agent;
    el.agent.dataset.on = String(a.connected);
    if (a.connected) {
      const can = [a.clipboard && (a.clipboardImages ? "clipboard (text and images)" : "clipboard (text)"), a.resize && "resizing the guest", a.files && "files"].filter(Boolean);
      el.agent.title = `Guest agent connected: ${can.length ? can.join(", ") : "no shared features"}`;
    } else {
      el.agent.title = "The guest agent (spice-vdagent) is not connected: sharing the clipboard, resizing the guest and sending files need it";
    }
  };

  // ---- clipboard ----
  const pasteKeys = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘V" : "Ctrl+V";
  let imageURL = "";
  const showClipboard = () => {
    const shared = con.unavailable("clipboard") === "";
    const acc = con.clipboardAccess;
    let status: string;
    if (con.status.state !== "connected") {
      status = "Not connected.";
    } else if (!shared) {
      status = `The clipboard is not shared: ${con.unavailable("clipboard")}. Text sent from here is typed as key presses, assuming a US keyboard layout in the guest.`;
    } else if (acc.read && acc.write) {
      status = "Copy and paste work both ways: the guest gets your clipboard when the console takes focus, and what the guest copies is put on yours.";
    } else if (acc.write) {
      status = `What the guest copies is put on your clipboard. Your clipboard goes to the guest when you press ${pasteKeys} in the console (automatic sync is off: ${acc.reason}).`;
    } else {
      status = `Automatic clipboard sync is off: ${acc.reason}. Press ${pasteKeys} in the console to paste your clipboard into the guest; what the guest copies shows here.`;
    }
    el.clipStatus.textContent = status;
    el.clipAllowRow.hidden = !(shared && acc.canAsk);
    el.clipSendLabel.textContent = shared ? "Send to the guest's clipboard" : "Type into the guest (US keyboard layout, ASCII only)";
    el.clipSend.textContent = shared ? "Send" : "Type";
    el.clipSend.disabled = con.status.state !== "connected";
    // (maxLength = -1 throws: remove the attribute instead.)
    if (shared) el.clipSendText.removeAttribute("maxlength");
    else el.clipSendText.maxLength = maxTypedChars;

    const d = con.guestClipboard;
    el.clipGuestBox.hidden = !shared && d === null;
    if (imageURL) URL.revokeObjectURL(imageURL);
    imageURL = "";
    el.clipGuest.hidden = d?.type === "image";
    el.clipGuestImage.hidden = d?.type !== "image";
    el.clipSave.hidden = d?.type !== "image";
    if (d?.type === "image") {
      imageURL = URL.createObjectURL(new Blob([d.data as Uint8Array<ArrayBuffer>], { type: "image/png" }));
      el.clipGuestImage.src = imageURL;
      el.clipSave.href = imageURL;
      el.clipGuest.value = "";
    } else {
      el.clipGuest.value = d?.text ?? "";
    }
    el.clipCopy.disabled = d === null || (d.type === "image" && !canWriteImages());
  };
  el.clipAllow.addEventListener("click", () => void con.allowClipboard().then(showClipboard));
  el.clipCopy.addEventListener("click", () => {
    const d = con.guestClipboard;
    if (!d) return;
    copyLocally(doc, d.type === "text" ? d.text : new Blob([d.data as Uint8Array<ArrayBuffer>], { type: "image/png" }), el.clipGuest).then(
      (ok) => (el.clipCopyNote.textContent = ok ? "Copied" : "The browser refused: select the text and copy it yourself"),
    );
  });
  el.clipSend.addEventListener("click", () => {
    const text = el.clipSendText.value;
    if (text === "") return;
    if (con.unavailable("clipboard") === "") {
      el.clipSendNote.textContent = con.setClipboard(text) ? "Sent: paste it in the guest" : "Not sent (too large?)";
      return;
    }
    const n = con.typeText(text);
    el.clipSendNote.textContent = typedNote(text, n);
  });

  // ---- files ----
  const rows = new Map<number, HTMLLIElement>();
  const showFiles = () => {
    const why = con.unavailable("files");
    const all = con.transfers;
    el.filesStatus.textContent = why ? `Files cannot be sent: ${why}.` : "Drop files onto the screen, or choose them here. They are sent one at a time.";
    el.filesChoose.disabled = why !== "";
    el.filesButton.disabled = why !== "" && all.length === 0;
    el.filesButton.title = why ? `Send files to the guest: unavailable, ${why}` : "Send files to the guest";
    const active = all.filter((t) => !finished(t.state)).length;
    el.filesBadge.textContent = active > 0 ? String(active) : "";
    el.filesClear.hidden = !all.some((t) => finished(t.state));
    if (el.filesButton.disabled && isOpen(el.filesPanel)) open(null);
  };
  const showTransfer = (t: FileTransfer) => {
    let li = rows.get(t.id);
    if (!li) {
      li = doc.createElement("li");
      const name = doc.createElement("span");
      name.className = "name";
      name.textContent = t.name;
      name.title = t.name;
      const bar = doc.createElement("progress");
      const info = doc.createElement("span");
      info.className = "info";
      const cancel = doc.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Cancel";
      cancel.setAttribute("aria-label", `Cancel ${t.name}`);
      cancel.addEventListener("click", () => con.cancelFile(t.id));
      li.append(name, cancel, bar, info);
      rows.set(t.id, li);
      el.filesList.append(li);
    }
    li.dataset.state = t.state;
    const bar = li.querySelector("progress");
    if (bar) {
      bar.max = Math.max(1, t.total);
      bar.value = t.sent;
      bar.hidden = finished(t.state);
    }
    const info = li.querySelector(".info");
    if (info) info.textContent = describeTransfer(t, performance.now());
    const cancel = li.querySelector("button");
    if (cancel) cancel.hidden = finished(t.state);
  };
  el.filesChoose.addEventListener("click", () => el.filesInput.click());
  el.filesInput.addEventListener("change", () => {
    for (const f of Array.from(el.filesInput.files ?? [])) con.sendFile(f);
    el.filesInput.value = "";
  });
  el.filesClear.addEventListener("click", () => {
    con.clearTransfers();
    const kept = new Set(con.transfers.map((t) => t.id));
    for (const [id, li] of rows) {
      if (!kept.has(id)) {
        li.remove();
        rows.delete(id);
      }
    }
    showFiles();
  });
  // Files dropped on the bar or a panel would make the browser leave the
  // console to show them.
  for (const type of ["dragover", "drop"] as const) {
    doc.addEventListener(type, (e) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    });
  }

  // ---- display settings ----
  const radios = Array.from(el.scalingOptions.querySelectorAll<HTMLInputElement>('input[name="scaling"]'));
  const showScaling = () => {
    const s = con.scaling;
    for (const r of radios) r.checked = r.value === s.setting;
    el.hidpi.checked = s.hidpi;
    const why = con.unavailable("resize");
    el.remoteNote.textContent = why ? `Unavailable now: ${why}` : "The guest's resolution follows the window";
  };
  const choose = () => {
    const picked = radios.find((r) => r.checked)?.value ?? "auto";
    const setting: ScalingSetting = picked === "auto" ? "auto" : (parseScaling(picked) ?? "auto");
    con.setScaling(setting, el.hidpi.checked);
    // Other settings (the monitors') are kept.
    const remembered: Settings = { ...loadSettings(storage), hidpi: el.hidpi.checked };
    delete remembered.scaling;
    if (setting !== "auto") remembered.scaling = setting;
    saveSettings(storage, remembered);
  };
  for (const r of radios) r.addEventListener("change", choose);
  el.hidpi.addEventListener("change", choose);

  // ---- several monitors ----
  const monitorRadios = Array.from(el.monitorsOptions.querySelectorAll<HTMLInputElement>('input[name="monitors"]'));
  const showMonitors = () => {
    const d = con.monitors;
    for (const r of monitorRadios) r.checked = r.value === d.mode;
    el.monitorsOptions.dataset.count = String(d.list.length);
  };
  const chooseMonitors = () => {
    const mode = parseMonitorsMode(monitorRadios.find((r) => r.checked)?.value) ?? "side";
    // From the click: the browser lets the console open a window now.
    con.setMonitors(mode);
    saveSettings(storage, { ...loadSettings(storage), monitors: mode });
  };
  for (const r of monitorRadios) r.addEventListener("change", chooseMonitors);
  con.addEventListener("monitors", showMonitors);
  showMonitors();

  const all = () => {
    showAgent();
    showClipboard();
    showFiles();
    showScaling();
  };
  con.addEventListener("status", all);
  con.addEventListener("agent", all);
  con.addEventListener("clipboard", showClipboard);
  con.addEventListener("clipboardaccess", showClipboard);
  con.addEventListener("scaling", showScaling);
  con.addEventListener("fileprogress", (e) => {
    const t = e.detail;
    if (!rows.has(t.id) && !isOpen(el.filesPanel)) open(el.filesPanel);
    showTransfer(t);
    showFiles();
  });
  all();
}

/** What the panel says after typing n characters of text. */
export function typedNote(text: string, n: number): string {
  if (n >= text.length) return `Typed ${n} character${n === 1 ? "" : "s"}`;
  if (n >= maxTypedChars) return `Typed the first ${n} characters (the limit)`;
  const c = String.fromCodePoint(text.codePointAt(n) ?? 0xfffd);
  return `Typed ${n} of ${text.length} characters: stopped at “${c}”, which a US keyboard cannot type`;
}

function canWriteImages(): boolean {
  return typeof ClipboardItem === "function" && isSecureContext && typeof navigator.clipboard?.write === "function";
}

// Copies from a click: the async API where there is one (a click counts as
// the user's consent), else the old copy command on the text box, which
// plain-http pages still have.
async function copyLocally(doc: Document, data: string | Blob, box: HTMLTextAreaElement): Promise<boolean> {
  const cb = isSecureContext ? navigator.clipboard : undefined;
  try {
    if (typeof data === "string") {
      if (cb?.writeText) {
        await cb.writeText(data);
        return true;
      }
    } else if (cb?.write && typeof ClipboardItem === "function") {
      await cb.write([new ClipboardItem({ "image/png": data })]);
      return true;
    }
  } catch {
    // Fall through to the copy command.
  }
  if (typeof data !== "string") return false;
  box.focus();
  box.select();
  try {
    return doc.execCommand("copy");
  } catch {
    return false;
  }
}
