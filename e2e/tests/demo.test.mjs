// The demo office (the seed's year replayed) as a new user meets it: the
// dashboard and a drill-down, the bulletin for the seed's period downloaded,
// and search from the box on every page — also by a liaison of another agency.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, launchBrowser, login, newPage } from "./server.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a prosecutor reads the demo's figures, drills down and downloads the bulletin", async () => {
  const p = await newPage(browser);
  await login(p, server.url, "prosecutor");
  await p.waitForURL(server.url + "/");
  await p.getByRole("link", { name: "统计", exact: true }).click();
  await p.getByLabel("自").fill("2023-01-01");
  await p.getByLabel("至").fill("2023-10-16");
  await p.getByRole("button", { name: "统计" }).click();
  await p.waitForURL(/from=2023-01-01/);
  const figures = await p.getByTestId("figures").textContent();
  assert.match(figures, /已评查 56 件/);
  assert.match(figures, /发现问题 4 件/);
  await p.screenshot({ path: "test-results/demo-dashboard.png", fullPage: true });
  // The bar of a dimension opens the findings behind it.
  await p.locator('svg a[href^="/findings?dimension="]').first().click();
  await p.waitForURL(/\/findings\?dimension=/);
  assert.match(await p.getByTestId("finding-list").textContent(), /上交运扣〔2022〕/);
  // The bulletin for the seed's period, downloaded.
  await p.goto(server.url + "/bulletin?from=2023-01-01&to=2023-10-16");
  assert.match(await p.getByTestId("bulletin-figures").textContent(), /调取卷宗\s*56 件；评查 56 件，可能存在问题 4 件/);
  await p.getByLabel("期号").fill("第73期");
  const [download] = await Promise.all([
    p.waitForEvent("download"),
    p.getByRole("button", { name: "导出 DOCX" }).click(),
  ]);
  assert.equal(readFileSync(await download.path()).subarray(0, 2).toString(), "PK");
  await p.context().close();
});

test("search from the header finds words, plates and stays within each user's rights", async () => {
  const p = await newPage(browser);
  await login(p, server.url, "prosecutor");
  await p.waitForURL(server.url + "/");
  const box = p.getByRole("searchbox", { name: "全文检索" });
  await box.fill("现场笔录");
  await box.press("Enter");
  await p.waitForURL(/\/search\?q=/);
  assert.match(await p.getByTestId("search-total").textContent(), /共 [1-9]\d* 条结果/);
  assert.ok((await p.getByTestId("hits").locator("b").count()) > 0, "highlighted");
  await p.screenshot({ path: "test-results/search.png", fullPage: true });
  // A facet narrows to the inquiry records; a result opens its page.
  await p.getByTestId("facets").getByRole("link", { name: "询问笔录" }).click();
  await p.waitForURL(/kind=inquiry/);
  await p.getByTestId("hits").getByRole("link").first().click();
  await p.waitForURL(/\/cases\/\d+/);
  // A plate typed loosely.
  await p.getByRole("searchbox", { name: "全文检索" }).fill("豫a 73174");
  await p.getByRole("searchbox", { name: "全文检索" }).press("Enter");
  await p.waitForURL(/\/search\?q=/);
  assert.match(await p.getByTestId("hits").textContent(), /扣押车辆未当场出具决定书/);
  await p.context().close();

  // The police liaison finds its own exchange, nothing of the transport bureau's.
  const g = await newPage(browser);
  await login(g, server.url, "liaison.ga");
  await g.waitForURL(server.url + "/");
  await g.getByRole("searchbox", { name: "全文检索" }).fill("扣押");
  await g.getByRole("searchbox", { name: "全文检索" }).press("Enter");
  await g.waitForURL(/\/search\?q=/);
  assert.match(await g.getByTestId("search-total").textContent(), /共 0 条结果/);
  await g.getByRole("searchbox", { name: "全文检索" }).fill("超限检测站");
  await g.getByRole("searchbox", { name: "全文检索" }).press("Enter");
  await g.waitForURL(/q=%E8%B6%85/);
  assert.match(await g.getByTestId("hits").textContent(), /线索移送/);
  await g.context().close();
});
