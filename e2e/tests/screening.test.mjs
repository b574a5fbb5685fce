// Screening journeys in a real browser: upload with progress, run a screening, read a hit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const freshPage = () => newPage(browser);

test("a clerk uploads a file with a bad row, sees the row, then imports the valid rows", async () => {
  const page = await freshPage();
  await login(page, server.url, "clerk");
  await page.waitForURL(server.url + "/");
  await page.getByRole("link", { name: "执法数据" }).click();
  const dir = mkdtempSync(join(tmpdir(), "xj-upload-"));
  const file = join(dir, "车辆许可-补充.csv");
  writeFileSync(
    file,
    "车牌号,许可类型,证号,持有人,有效期起,有效期止\n" +
      "豫Z00001,道路运输证,Z1,某公司,2024-01-01,2026-12-31\n" +
      "豫Z00002,道路运输证,Z2,某公司,2024-13-01,2026-12-31\n",
  );
  await page.getByLabel("文件").setInputFiles(file);
  await page.getByRole("button", { name: "上传并导入" }).click();
  await page.getByRole("alert").waitFor();
  assert.match(await page.getByRole("alert").textContent(), /整个文件未导入/);
  assert.match(await page.locator("table").textContent(), /有效期起/);

  await page.goto(server.url + "/imports");
  await page.getByLabel("文件").setInputFiles(file);
  await page.getByLabel("有问题的行不导入，只导入无误的行").check();
  await page.getByRole("button", { name: "上传并导入" }).click();
  await page.waitForURL(/\/imports\/\d+\?notice=imported/);
  assert.match(await page.getByRole("status").first().textContent(), /已导入/);
  assert.match(await page.locator("dl.facts").textContent(), /2 \/ 1 \/ 1/);
  await page.context().close();
});

test("a prosecutor runs a screening and reads a hit with its article and source row", async () => {
  const page = await freshPage();
  await login(page, server.url, "prosecutor");
  await page.waitForURL(server.url + "/");
  await page.getByRole("link", { name: "数据筛查" }).click();
  // Keep only one rule to run.
  for (const box of await page.locator('input[name="rule"]').all()) {
    await box.uncheck();
  }
  await page.locator('input[value="XQZ-24-DECISION"]').check();
  await page.getByLabel(/截止日期/).fill("2026-06-30");
  await page.getByRole("button", { name: "开始筛查" }).click();
  await page.waitForURL(/\/screenings\/\d+$/);
  const runUrl = page.url();
  await page.getByTestId("run-status").filter({ hasText: "已完成" }).waitFor({ timeout: 60000 });
  await page.screenshot({ path: "test-results/screening.png", fullPage: true });
  const rows = page.getByTestId("hits").locator("tbody tr");
  assert.ok((await rows.count()) > 0);
  await page.getByLabel("结果").selectOption("hit");
  await page.getByRole("button", { name: "查询" }).click();
  await rows.first().getByRole("link").click();
  await page.waitForURL(/\/screening-hits\/\d+$/);
  assert.match(await page.getByTestId("explanation").textContent(), /未当场交付《行政强制措施决定书》/);
  assert.match(await page.locator("blockquote").first().textContent(), /第二十四条/);
  assert.match(await page.locator("table.record").textContent(), /决定书当场交付\s*否/);

  // Two lines (the hit and the 资料不全 one) become one clue.
  await page.goto(runUrl);
  const boxes = page.getByTestId("hits").locator('input[name="hit"]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByRole("button", { name: "勾选的记录生成线索" }).click();
  await page.waitForURL(/\/clues\/\d+\?notice=created$/);
  assert.equal(await page.getByTestId("clue-records").locator("tbody tr").count(), 2);
  await page.getByRole("link", { name: "问题线索" }).click();
  assert.match(await page.locator("table").textContent(), /数据筛查/);
  await page.context().close();
});
