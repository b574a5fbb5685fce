// Main journeys of the foundation, as a user does them in a real browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
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

test("a prosecutor logs in, sees the empty work list, and logs out", async () => {
  const page = await freshPage();
  await login(page, server.url, "prosecutor");
  await page.waitForURL(server.url + "/");
  assert.equal(await page.getByTestId("current-user").textContent(), "王检察官（检察官）");
  assert.match(await page.getByTestId("empty-work").textContent(), /暂无待办事项/);
  await page.screenshot({ path: "test-results/home.png", fullPage: true });
  await page.getByRole("button", { name: "退出" }).click();
  await page.waitForURL(/\/login$/);
  await page.goto(server.url + "/");
  await page.waitForURL(/\/login$/);
  await page.context().close();
});

test("a wrong password shows an error and no session", async () => {
  const page = await freshPage();
  await login(page, server.url, "prosecutor", "Wrong-Password-1");
  assert.match(await page.getByRole("alert").textContent(), /用户名或密码错误/);
  assert.equal(await page.getByLabel("用户名").inputValue(), "prosecutor");
  await page.goto(server.url + "/agencies");
  assert.match(page.url(), /\/login\?next=\/agencies$/);
  await page.context().close();
});

test("a liaison of one agency gets 404 for another agency's page", async () => {
  // Find the other agency's id the way staff see it.
  const staff = await freshPage();
  await login(staff, server.url, "prosecutor");
  await staff.goto(server.url + "/agencies");
  const href = await staff.getByRole("link", { name: "区公安局" }).getAttribute("href");
  const own = await staff.getByRole("link", { name: "区交通运输局" }).getAttribute("href");
  await staff.context().close();

  const page = await freshPage();
  await login(page, server.url, "liaison.jt");
  await page.waitForURL(server.url + "/");
  const resp = await page.goto(server.url + href);
  assert.equal(resp.status(), 404);
  assert.match(await page.getByRole("alert").textContent(), /页面不存在或无权访问/);
  const ownResp = await page.goto(server.url + own);
  assert.equal(ownResp.status(), 200);
  await page.goto(server.url + "/agencies");
  assert.equal(await page.getByRole("link", { name: "区公安局" }).count(), 0);
  assert.equal(await page.getByRole("link", { name: "区交通运输局" }).count(), 1);
  await page.context().close();
});

test("the administrator registers an agency and finds it in the audit log", async () => {
  const page = await freshPage();
  await login(page, server.url, "admin");
  await page.waitForURL(server.url + "/");
  await page.getByRole("link", { name: "行政机关" }).click();
  await page.getByRole("link", { name: "登记行政机关" }).click();
  // Submitting empty keeps the page and says what is missing.
  await page.getByLabel("名称").fill(" ");
  await page.getByRole("button", { name: "保存" }).click();
  assert.match(await page.locator(".field-error").first().textContent(), /请填写机关名称/);
  await page.getByLabel("名称").fill("区应急管理局");
  await page.getByLabel("类别").selectOption("other");
  await page.getByLabel(/别名/).fill("区应急局");
  await page.getByRole("button", { name: "保存" }).click();
  await page.waitForURL(/\/agencies\/\d+\?msg=created$/);
  assert.match(await page.getByRole("status").textContent(), /已创建/);
  await page.getByRole("link", { name: "审计日志" }).click();
  await page.getByLabel("操作（前缀）").fill("agency.create");
  await page.getByRole("button", { name: "查询" }).click();
  const rows = page.locator("table.audit tbody tr");
  assert.ok((await rows.count()) >= 1);
  assert.match(await rows.first().textContent(), /admin/);
  await page.screenshot({ path: "test-results/audit.png", fullPage: true });
  await page.context().close();
});
