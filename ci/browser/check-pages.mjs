// Opens each HTML page given on the command line in headless Debian
// chromium (file://, no network), takes a screenshot next to the page
// (<page>.png: the whole page, or its top 16,000 px when taller), records JavaScript errors and failed requests, then runs
// axe-core (WCAG 2.0/2.1 A and AA rules) in the page. Prints one JSON object
// per page and exits 1 if any page has a JavaScript error, a failed request
// or an accessibility violation.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const pages = process.argv.slice(2);
const MAX_SCREENSHOT_HEIGHT = 16000;
if (pages.length === 0) {
  console.error("usage: node check-pages.mjs PAGE.html…");
  process.exit(2);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let failed = false;
for (const path of pages) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("requestfailed", (request) => {
    // In-page anchors and the report's own file are not network requests.
    errors.push(`requête échouée : ${request.url()} (${request.failure()?.errorText})`);
  });
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
  // Chromium cannot capture a page tens of thousands of pixels tall in one
  // image (a full demo report with its evidence annex is ~95,000 px): the
  // screenshot keeps the top of the page, which holds the summary.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const clipped = height > MAX_SCREENSHOT_HEIGHT;
  await page.screenshot(clipped
    ? { path: `${path}.png`, clip: { x: 0, y: 0, width: 1280, height: MAX_SCREENSHOT_HEIGHT }, captureBeyondViewport: true }
    : { path: `${path}.png`, fullPage: true });
  await page.addScriptTag({ content: axeSource });
  const axe = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return {
      passes: result.passes.length,
      incomplete: result.incomplete.map((r) => r.id),
      violations: result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
        first: v.nodes[0]?.html?.slice(0, 160),
      })),
    };
  });
  const report = { page: path, screenshot: `${path}.png`, height, clipped, javascript_errors: errors, axe };
  console.log(JSON.stringify(report));
  if (errors.length > 0 || axe.violations.length > 0) failed = true;
  await page.close();
}
await browser.close();
process.exit(failed ? 1 : 0);
