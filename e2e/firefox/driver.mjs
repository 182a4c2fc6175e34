// Drives one headless Firefox (Debian's firefox-esr) over WebDriver BiDi
// for e2e/firefox.go. It speaks JSON lines: commands on stdin, replies and
// events on descriptor 3. Stdout and stderr are left to Firefox's output
// and anything for people, which the Go side logs.
//
// Started as: node driver.mjs CONFIG_JSON, where the config is
//   {"executablePath", "profile" (an empty directory: a fresh profile),
//    "width", "height", "prefs" (extra about:config preferences),
//    "emulateFocus" (document.hasFocus() answers true)}.
// Once the browser runs it sends {"event":"ready","version","pid"}. Commands are
//   {"id", "op":"navigate", "url"}              waits for the load event
//   {"id", "op":"eval", "expr"}                 a promise is awaited; the reply's
//                                               "json" is the value's JSON text,
//                                               absent for undefined
//   {"id", "op":"keys", "actions":[{"type":"down"|"up"|"press", "key"}]}
//   {"id", "op":"mouse", "actions":[{"type":"move"|"click"|"down"|"up", "x", "y", "button"}]}
//   {"id", "op":"viewport", "width", "height"}  resizes the page's viewport
//   {"id", "op":"screenshot", "path"}
//   {"id", "op":"close"}                        closes the browser, then exits
// Each is answered with {"id"} ({"id","json"} for eval) or {"id","error"}. Events come as
//   {"event":"console","type","text","url","line"} and
//   {"event":"exception","text","url","line"}.
// The driver exits when stdin closes or on SIGTERM, closing the browser
// first: puppeteer starts Firefox in a process group of its own, which
// outlives a driver that just dies.

import { writeSync } from "node:fs";
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const config = JSON.parse(process.argv[2] ?? "{}");
// Synchronous, so that lines never interleave and the last one is out
// before process.exit.
function send(m) {
  const line = Buffer.from(JSON.stringify(m) + "\n");
  for (let off = 0; off < line.length; ) {
    try {
      off += writeSync(3, line, off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
    }
  }
}

let browser = null;
let exiting = false;
async function exit(code) {
  if (exiting) return;
  exiting = true;
  try {
    await browser?.close();
  } catch (e) {
    process.stderr.write(`driver: closing firefox: ${e}\n`);
  }
  process.exit(code);
}

try {
  browser = await puppeteer.launch({
    browser: "firefox",
    protocol: "webDriverBiDi",
    executablePath: config.executablePath,
    headless: true,
    userDataDir: config.profile,
    defaultViewport: { width: config.width, height: config.height },
    extraPrefsFirefox: config.prefs ?? {},
    // No request interception or body collection: the tests never look,
    // and collecting keeps a copy of every response (the 4 MB module).
    networkEnabled: false,
    // Firefox's own output goes to our stderr, which the Go side logs.
    dumpio: true,
    // Our own SIGTERM handler below ends the browser.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
} catch (e) {
  send({ event: "failed", error: String(e?.stack ?? e) });
  process.exit(1);
}
// process.exit runs puppeteer's exit hook, which kills Firefox's group.
process.on("SIGTERM", () => process.exit(1));
browser.on("disconnected", () => {
  if (!exiting) {
    send({ event: "failed", error: "firefox went away" });
    process.exit(1);
  }
});

const [page] = await browser.pages();
// defaultViewport reaches new pages only; this one is Firefox's first tab.
await page.setViewport({ width: config.width, height: config.height });
if (config.emulateFocus) {
  // Headless Firefox never has a focused window: document.hasFocus()
  // stays false, clicks or not. Pages that wait for focus (to use the
  // clipboard, as Chrome requires) are told they have it.
  await page.evaluateOnNewDocument(() => {
    Document.prototype.hasFocus = function () {
      return true;
    };
  });
}
page.setDefaultTimeout(30000);
page.setDefaultNavigationTimeout(30000);
page.on("console", (msg) => {
  const loc = msg.location() ?? {};
  send({ event: "console", type: msg.type(), text: msg.text(), url: loc.url ?? "", line: loc.lineNumber ?? 0 });
});
page.on("pageerror", (err) => {
  // The error's stack names where it was thrown; its first frame is enough.
  const where = /@(\S+?):(\d+):\d+/.exec(String(err?.stack ?? ""));
  send({ event: "exception", text: String(err?.message ?? err), url: where?.[1] ?? "", line: where ? Number(where[2]) - 1 : 0 });
});

const ops = {
  async navigate(c) {
    await page.goto(c.url, { waitUntil: "load" });
    return {};
  },
  async eval(c) {
    // Raw BiDi script.evaluate rather than page.evaluate, which grants the
    // page user activation on every call (puppeteer passes
    // userActivation: true): a test's evaluations must not unlock sound,
    // the clipboard or fullscreen as if the user had clicked. The value
    // comes back as the page's own JSON text (as CDP's returnByValue), or
    // not at all for undefined.
    const { result } = await browser.connection.send("script.evaluate", {
      expression: `(async () => JSON.stringify(await (\n${c.expr}\n)))()`,
      target: { context: page.mainFrame()._id },
      awaitPromise: true,
      resultOwnership: "none",
      userActivation: false,
    });
    if (result.type === "exception") throw new Error(result.exceptionDetails.text);
    return result.result.type === "string" ? { json: result.result.value } : {};
  },
  async keys(c) {
    for (const a of c.actions) {
      if (a.type === "down") await page.keyboard.down(a.key);
      else if (a.type === "up") await page.keyboard.up(a.key);
      else if (a.type === "press") await page.keyboard.press(a.key);
      else throw new Error(`unknown key action ${a.type}`);
    }
    return {};
  },
  async mouse(c) {
    for (const a of c.actions) {
      const button = a.button ?? "left";
      if (a.type === "move") await page.mouse.move(a.x, a.y);
      else if (a.type === "click") await page.mouse.click(a.x, a.y, { button });
      else if (a.type === "down") await page.mouse.down({ button });
      else if (a.type === "up") await page.mouse.up({ button });
      else throw new Error(`unknown mouse action ${a.type}`);
    }
    return {};
  },
  async viewport(c) {
    await page.setViewport({ width: c.width, height: c.height });
    return {};
  },
  async screenshot(c) {
    await page.screenshot({ path: c.path, fullPage: true });
    return {};
  },
};

send({ event: "ready", version: await browser.version(), pid: browser.process()?.pid ?? 0 });

// Commands run as they come, each answered when done: an evaluation whose
// promise never settles (a clipboard read waiting for Firefox's Paste
// menu) must not hold up the ones after it, which the Go side sends once
// it has given up on it. Stdin closing ends the driver.
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => void run(line));
lines.on("close", () => void exit(0));

async function run(line) {
  let c;
  try {
    c = JSON.parse(line);
  } catch (e) {
    send({ event: "failed", error: `bad command ${line}: ${e}` });
    return;
  }
  if (c.op === "close") {
    await exit(0);
    return;
  }
  const op = ops[c.op];
  if (!op) {
    send({ id: c.id, error: `unknown op ${c.op}` });
    return;
  }
  try {
    send({ id: c.id, ...(await op(c)) });
  } catch (e) {
    send({ id: c.id, error: String(e?.message ?? e) });
  }
}
