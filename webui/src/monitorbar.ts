// The console's line about monitor windows that are not open: blocked by
// the browser, or closed by the user, each with a button that opens it
// (a click lets the browser open it).

import type { MonitorWindowState } from "./monitors";

const barStyle =
  "position:absolute;left:50%;top:8px;transform:translateX(-50%);display:none;z-index:2;max-width:90%;" +
  "padding:6px 10px;border-radius:4px;background:rgba(0,0,0,.8);color:#fff;font:13px/1.4 system-ui,sans-serif;";
const buttonStyle = "margin-left:8px;font:inherit;padding:2px 8px;cursor:pointer;";

export class MonitorBar {
  private readonly bar: HTMLDivElement;

  constructor(
    root: HTMLElement,
    private readonly open: (index: number) => void,
  ) {
    this.bar = root.ownerDocument.createElement("div");
    this.bar.className = "spiceweb-monitor-bar";
    this.bar.setAttribute("role", "status");
    this.bar.style.cssText = barStyle;
    root.append(this.bar);
  }

  /** Shows the windows that are not open; hides the bar when there are none. */
  show(windows: MonitorWindowState[]): void {
    const doc = this.bar.ownerDocument;
    this.bar.replaceChildren();
    for (const w of windows) {
      const line = doc.createElement("div");
      line.textContent = `Monitor ${w.index + 1}: ${w.reason}.`;
      const b = doc.createElement("button");
      b.type = "button";
      b.style.cssText = buttonStyle;
      b.className = "spiceweb-open-monitor";
      b.dataset.monitor = String(w.index);
      b.textContent = `Open monitor ${w.index + 1}`;
      b.addEventListener("click", () => this.open(w.index));
      line.append(b);
      this.bar.append(line);
    }
    this.bar.style.display = windows.length > 0 ? "block" : "none";
  }
}
