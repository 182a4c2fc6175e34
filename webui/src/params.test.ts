import assert from "node:assert/strict";
import { test } from "node:test";
import { type PageLocation, type Params, displayTitle, parseParams, queryPairs, socketURL, tokenCookie } from "./params";

const httpPage: PageLocation = { protocol: "http:", hostname: "console.example", port: "6082" };
const httpsDefaultPort: PageLocation = { protocol: "https:", hostname: "cloud.example", port: "" };

test("parseParams", async (t) => {
  const cases: Array<{ name: string; href: string; want: Params }> = [
    {
      name: "no query: spice-html5 defaults",
      href: "http://h:6082/spice_auto.html",
      want: { path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "all parameters",
      href: "http://h/spice_auto.html?host=10.0.0.5&port=5959&path=/ws&password=s3cret&token=abc&title=vm1&encrypt=1&protocol=&compression=lz4&videocodecs=h264,vp8",
      want: {
        host: "10.0.0.5",
        port: "5959",
        path: "/ws",
        password: "s3cret",
        token: "abc",
        title: "vm1",
        encrypt: true,
        protocol: "",
        compression: "lz4",
        videoCodecs: "h264,vp8",
      },
    },
    {
      name: "sound off, client on the page",
      href: "http://h/spice_auto.html?audio=0&worker=0",
      want: { audio: false, worker: false, path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "monitors in windows",
      href: "http://h/spice_auto.html?monitors=windows",
      want: { monitors: "windows", path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "an unknown monitors mode is left to the remembered one",
      href: "http://h/spice_auto.html?monitors=tiles",
      want: { path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "nova token appended to a query with a second ?",
      href: "http://h/spice_auto.html?host=proxy&port=6082?token=3f2a-99",
      want: { host: "proxy", port: "6082", token: "3f2a-99", path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "nova token then a ? title",
      href: "http://h/spice_auto.html?token=abc?title=x",
      want: { token: "abc", title: "x", path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "Horizon appends &title=name(uuid) with + for spaces",
      href: "http://h/spice_auto.html?token=0c8e&title=my+vm%202(5b3c-11)",
      want: { token: "0c8e", title: "my vm 2(5b3c-11)", path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "a ? inside a value without name= after it stays in the value",
      href: "http://h/p.html?password=wh?at&title=a?b",
      want: { password: "wh?at", title: "a?b", path: "websockify", protocol: "binary" },
    },
    {
      name: "percent-encoded values, and a malformed escape kept as typed",
      href: "http://h/p.html?password=a%26b%3Dc&title=100%",
      want: { password: "a&b=c", title: "100%", path: "websockify", protocol: "binary" },
    },
    {
      name: "first occurrence wins; fragment ignored",
      href: "http://h/p.html?title=first&title=second#title=third",
      want: { title: "first", path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "encrypt values",
      href: "http://h/p.html?encrypt=false",
      want: { encrypt: false, path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "bare encrypt means yes",
      href: "http://h/p.html?encrypt",
      want: { encrypt: true, path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "empty path is kept (root path)",
      href: "http://h/p.html?path=",
      want: { path: "", password: "", protocol: "binary" },
    },
    {
      name: "scaling and hidpi",
      href: "http://h/p.html?scaling=remote&hidpi=1",
      want: { scaling: "remote", hidpi: true, path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "an unknown scaling is ignored; hidpi=0 is false",
      href: "http://h/p.html?scaling=stretch&hidpi=0",
      want: { hidpi: false, path: "websockify", password: "", protocol: "binary" },
    },
    {
      name: "empty host, port, token and title count as absent",
      href: "http://h/p.html?host=&port=&token=&title=",
      want: { path: "websockify", password: "", protocol: "binary" },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(parseParams(c.href), c.want));
  }
});

test("queryPairs keeps order and names without values", () => {
  assert.deepEqual(queryPairs("http://h/?a=1&&b&c=?x=2"), [
    ["a", "1"],
    ["b", ""],
    ["c", ""],
    ["x", "2"],
  ]);
});

test("socketURL", async (t) => {
  const cases: Array<{ name: string; href: string; page: PageLocation; want: string }> = [
    { name: "defaults follow the page", href: "http://console.example:6082/spice_auto.html", page: httpPage, want: "ws://console.example:6082/websockify" },
    { name: "https page gives wss and the default port stays implicit", href: "https://cloud.example/spice/spice_auto.html", page: httpsDefaultPort, want: "wss://cloud.example/websockify" },
    { name: "host and port override", href: "http://x/?host=10.1.2.3&port=5959", page: httpPage, want: "ws://10.1.2.3:5959/websockify" },
    { name: "token goes into the URL", href: "http://x/?token=ab%2Fc", page: httpPage, want: "ws://console.example:6082/websockify?token=ab%2Fc" },
    { name: "nova's double ? with token", href: "http://x/spice_auto.html?host=proxy&port=6082?token=t1", page: httpPage, want: "ws://proxy:6082/websockify?token=t1" },
    { name: "path with its own query gets &token", href: "http://x/?path=ws%3Fa%3D1&token=t", page: httpPage, want: "ws://console.example:6082/ws?a=1&token=t" },
    { name: "token already in path is not repeated", href: "http://x/?path=%3Ftoken%3Dt&token=t", page: httpPage, want: "ws://console.example:6082/?token=t" },
    { name: "encrypt forces wss on an http page", href: "http://x/?encrypt=1", page: httpPage, want: "wss://console.example:6082/websockify" },
    { name: "encrypt=0 forces ws on an https page", href: "https://x/?encrypt=0", page: httpsDefaultPort, want: "ws://cloud.example/websockify" },
    { name: "bare IPv6 host gets brackets", href: "http://x/?host=::1&port=80", page: httpPage, want: "ws://[::1]:80/websockify" },
    { name: "page IPv6 hostname is already bracketed", href: "http://[::1]:6082/", page: { protocol: "http:", hostname: "[::1]", port: "6082" }, want: "ws://[::1]:6082/websockify" },
    { name: "empty path is the root", href: "http://x/?path=", page: httpPage, want: "ws://console.example:6082/" },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.equal(socketURL(parseParams(c.href), c.page), c.want));
  }
});

test("socketURL rejects unusable host and port", async (t) => {
  const cases: Array<{ href: string; page: PageLocation; err: RegExp }> = [
    { href: "http://x/?port=99999", page: httpPage, err: /invalid port "99999"/ },
    { href: "http://x/?port=0", page: httpPage, err: /invalid port/ },
    { href: "http://x/?port=80a", page: httpPage, err: /invalid port/ },
    { href: "http://x/?host=a/b", page: httpPage, err: /invalid host/ },
    { href: "http://x/?host=evil@h", page: httpPage, err: /invalid host/ },
    { href: "file:///spice_auto.html", page: { protocol: "file:", hostname: "", port: "" }, err: /no host/ },
  ];
  for (const c of cases) {
    await t.test(c.href, () => assert.throws(() => socketURL(parseParams(c.href), c.page), c.err));
  }
});

test("tokenCookie", () => {
  assert.equal(tokenCookie("0c8e-11", false), "token=0c8e-11; path=/; SameSite=Lax");
  assert.equal(tokenCookie("a;b c", true), "token=a%3Bb%20c; path=/; SameSite=Lax; Secure");
});

test("displayTitle drops Horizon's (uuid)", () => {
  assert.equal(displayTitle("my vm(5b3c-11)"), "my vm");
  assert.equal(displayTitle("my vm (5b3c-11)"), "my vm");
  assert.equal(displayTitle("plain"), "plain");
  assert.equal(displayTitle("(only)"), "(only)");
});
