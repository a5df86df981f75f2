// Load report.html in headless Chromium and check what a reader would see.
// Usage: node test.mjs REPORT_DIR [CHROMIUM_PATH]
import { chromium } from "playwright-core";
import path from "node:path";
import fs from "node:fs";

const dir = path.resolve(process.argv[2] || "report");
const exe = process.argv[3] || process.env.CHROMIUM || "/usr/bin/chromium";
const file = path.join(dir, "report.html");
let passed = 0, failed = 0;
const check = (ok, what) => { if (ok) { passed++; } else { failed++; console.error("FAIL: " + what); } };

const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
for (const [name, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  const external = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { const u = r.url(); if (!u.startsWith("file:") && !u.startsWith("data:")) external.push(u); });
  await page.goto("file://" + file, { waitUntil: "load" });
  check(errors.length === 0, `${name}: console errors: ${errors.join(" | ")}`);
  check(external.length === 0, `${name}: external requests: ${external.join(", ")}`);
  const figs = await page.$$("figure svg");
  check(figs.length >= 13, `${name}: expected at least 13 figures, found ${figs.length}`);
  for (const f of figs) {
    const id = await f.evaluate((el) => el.closest("figure").id);
    const box = await f.boundingBox();
    check(box && box.width > 50 && box.height > 50, `${name}: figure ${id} has size ${JSON.stringify(box)}`);
  }
  const toc = await page.$$("nav.toc a");
  check(toc.length >= 5, `${name}: table of contents has ${toc.length} entries`);
  if (name === "phone") {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `${name}: page is ${overflow}px wider than the screen`);
  }
  const shot = path.join(dir, `screenshot-${name}.png`);
  await page.screenshot({ path: shot, fullPage: false });
  check(fs.statSync(shot).size > 10000, `${name}: screenshot ${shot} is too small`);
  await page.close();
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
