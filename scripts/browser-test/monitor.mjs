// Load the monitor's dashboard.html and one card in headless Chromium, as a reader would.
// Usage: node monitor.mjs MONITOR_DIR LANG [CHROMIUM_PATH]
// Checks: no console errors, no external requests, the table sorts, filters (search box,
// roster attribute, profile) and pages, the funnel canvas is drawn, the phone layout has no
// horizontal overflow, and the card prints on one A4 page.
import { chromium } from "playwright-core";
import path from "node:path";
import fs from "node:fs";

const dir = path.resolve(process.argv[2] || "monitor");
const lang = process.argv[3] || "es";
const exe = process.argv[4] || process.env.CHROMIUM || "/usr/bin/chromium";
let passed = 0, failed = 0;
const check = (ok, what) => { if (ok) { passed++; } else { failed++; console.error(`FAIL (${lang}): ${what}`); } };

const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

async function open(file, viewport) {
  const page = await browser.newPage({ viewport });
  const errors = [], external = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { const u = r.url(); if (!u.startsWith("file:") && !u.startsWith("data:")) external.push(u); });
  await page.goto("file://" + file, { waitUntil: "load" });
  return { page, errors, external };
}

const rows = (page) => page.$$eval("#table tbody tr", (trs) => trs.map((tr) => Array.from(tr.cells).map((td) => td.textContent)));

for (const [name, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
  const { page, errors, external } = await open(path.join(dir, "dashboard.html"), viewport);
  check((await page.getAttribute("html", "lang")) === lang, `${name}: dashboard language`);
  let r = await rows(page);
  check(r.length === 50 || r.length > 0, `${name}: table shows ${r.length} rows`);
  const total = Number((await page.textContent("#count")).split(" ")[0]);
  check(total > 50, `${name}: ${total} centers in the table`);
  // Sort by score (ascending, then descending).
  const scoreCol = await page.$$eval("#table thead th", (ths) => ths.findIndex((th) => th.dataset.k === "score"));
  await page.click("th[data-k=score]");
  r = await rows(page);
  const asc = r.map((x) => Number(x[scoreCol].replace("\u2212", "-")));
  check(asc.every((v, i) => i === 0 || asc[i - 1] <= v), `${name}: sorted ascending by score`);
  await page.click("th[data-k=score]");
  r = await rows(page);
  const desc = r.map((x) => Number(x[scoreCol].replace("\u2212", "-")));
  check(desc.every((v, i) => i === 0 || desc[i - 1] >= v) && desc[0] >= asc[asc.length - 1], `${name}: sorted descending`);
  // Pages.
  await page.click("#next");
  check((await page.textContent("#page")).startsWith("2 /"), `${name}: next page`);
  // Filter by the first roster attribute.
  const opt = await page.$$eval("#f-0 option", (os) => os.slice(1).map((o) => [o.value, o.textContent]));
  check(opt.length >= 2, `${name}: attribute filter has ${opt.length} values`);
  await page.selectOption("#f-0", opt[0][0]);
  r = await rows(page);
  check(r.length > 0 && r.every((x) => x[1] === opt[0][1]), `${name}: attribute filter keeps only ${opt[0][1]}`);
  const filtered = Number((await page.textContent("#count")).split(" ")[0]);
  check(filtered < total, `${name}: attribute filter narrows ${total} to ${filtered}`);
  await page.selectOption("#f-0", "");
  // Filter by profile.
  const prof = await page.$$eval("#f-profile option", (os) => os.slice(1).map((o) => [o.value, o.textContent]));
  check(prof.length === 9, `${name}: 9 profiles`);
  await page.selectOption("#f-profile", prof[4][0]);
  r = await rows(page);
  check(r.every((x) => x[x.length - 1] === prof[4][1]), `${name}: profile filter`);
  await page.selectOption("#f-profile", "");
  // Search box.
  const first = (await rows(page))[0][0];
  await page.fill("#q", first);
  r = await rows(page);
  check(r.length >= 1 && r.every((x) => x[0].includes(first)), `${name}: search finds ${first}`);
  // Funnel canvas has drawn points (not blank).
  const ink = await page.$eval("#funnel-canvas", (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 200) { n++; } } return n;
  });
  check(ink > 500, `${name}: funnel plot drawn (${ink} dark pixels)`);
  check((await page.$$("figure svg")).length >= 2, `${name}: trend and profile figures`);
  if (name === "phone") {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `${name}: dashboard is ${overflow}px wider than the screen`);
  }
  check(errors.length === 0, `${name}: console errors: ${errors.join(" | ")}`);
  check(external.length === 0, `${name}: external requests: ${external.join(", ")}`);
  await page.screenshot({ path: path.join(dir, `dashboard-${lang}-${name}.png`) });
  await page.close();
}

// One card: the first in cards/.
const cards = fs.readdirSync(path.join(dir, "cards")).filter((f) => f.endsWith(".html")).sort();
check(cards.length > 0, "cards written");
for (const [name, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
  const { page, errors, external } = await open(path.join(dir, "cards", cards[0]), viewport);
  check((await page.getAttribute("html", "lang")) === lang, `${name}: card language`);
  check((await page.$$("svg circle")).length >= 1, `${name}: card has the score by round`);
  check((await page.$$("ol li")).length >= 3, `${name}: card lists items`);
  if (name === "phone") {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `${name}: card is ${overflow}px wider than the screen`);
  } else {
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
    check(pages === 1, `card prints on ${pages} A4 pages`);
  }
  check(errors.length === 0, `${name}: card console errors: ${errors.join(" | ")}`);
  check(external.length === 0, `${name}: card external requests: ${external.join(", ")}`);
  await page.screenshot({ path: path.join(dir, `card-${lang}-${name}.png`), fullPage: true });
  await page.close();
}
await browser.close();
console.log(`monitor (${lang}): ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
