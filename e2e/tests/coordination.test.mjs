// Coordination with agencies as users walk it in a real browser: the campaign
// with its four tasks, a symposium with three agencies and its consensus (and
// the minutes downloaded), a case notice and a file request the transport
// liaison acknowledges and answers, what the police liaison cannot see, and an
// agreement whose yearly joint meeting is overdue.
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

const iso = (d) => d.toISOString().slice(0, 10);
const daysFromNow = (n) => iso(new Date(Date.now() + n * 86400000));

test("the seed's coordination: campaign, symposium, exchanges, agreement", async () => {
  const p = await newPage(browser);
  await login(p, server.url, "prosecutor");
  await p.waitForURL(server.url + "/");

  // The campaign: plan, leading group, focus areas.
  await p.getByRole("link", { name: "专项活动", exact: true }).click();
  // The demo office's 2023 campaign (the seed's) is there, ended; a new one starts.
  assert.match(await p.locator("main").textContent(), /加强道路交通安全和运输执法领域行政检察监督工作专项活动/);
  await p.getByRole("link", { name: "新建专项活动" }).click();
  await p.getByLabel("活动名称").fill("服务和保障道路交通安全和运输执法领域专项监督活动");
  await p.getByLabel("开始日期").fill(daysFromNow(-10));
  await p.getByLabel("结束日期").fill(daysFromNow(300));
  for (const f of ["社会车辆非法营运", "网约车监管", "货车超限超载"]) await p.getByLabel(f).check();
  await p.getByLabel("领导小组（每行一人").fill("张检察长，检察长，第一责任人\n李分管检察长，分管检察长，主要责任\n王检察官，检察官，参与");
  await p.getByLabel("领导小组办公室").fill("赵检察官助理，检察官助理，日常联络");
  await p.getByRole("button", { name: "保存" }).click();
  await p.waitForURL(/\/campaigns\/\d+\?notice=created/);
  assert.match(await p.getByTestId("leading-group").textContent(), /张检察长\s*检察长\s*第一责任人/);

  // Four tasks with owners and deadlines.
  const tasks = [
    ["排查社会车辆非法营运执法案件", "客运", "王检察官（检察官）"],
    ["网约车监管执法卷宗评查", "客运", "王检察官（检察官）"],
    ["货车超限超载执法监督", "货运", "张检察长（检察长）"],
    ["推动建立信息共享机制", "综合", "李分管检察长（分管检察长）"],
  ];
  for (const [title, category, owner] of tasks) {
    const form = p.getByTestId("task-form");
    await form.getByLabel("任务内容").fill(title);
    await form.getByLabel("类别").fill(category);
    await form.locator("select[name=owner_id]").selectOption({ label: owner });
    await form.getByLabel("责任时限").fill(daysFromNow(60));
    await form.getByRole("button", { name: "添加" }).click();
    await p.waitForURL(/notice=created/);
  }
  assert.equal(await p.getByTestId("tasks").locator("tbody tr").count(), 4);
  assert.match(await p.getByTestId("campaign-progress").textContent(), /已完成 0\/4/);
  const campaignUrl = p.url().split("?")[0];
  // One is done, with what was done.
  await p.getByRole("link", { name: "排查社会车辆非法营运执法案件" }).click();
  await p.getByLabel("完成情况").fill("调取执法案卷 56 件，发现问题 4 件");
  await p.getByRole("button", { name: "标记完成" }).click();
  await p.waitForURL(/notice=saved/);
  assert.match(await p.getByTestId("task-status").textContent(), /已完成/);
  await p.goto(campaignUrl);
  assert.match(await p.getByTestId("campaign-progress").textContent(), /已完成 1\/4/);

  // A symposium with the three agencies and its consensus.
  await p.getByRole("link", { name: "会议", exact: true }).click();
  await p.getByRole("link", { name: "记录会议" }).click();
  await p.getByLabel("会议类型").selectOption("symposium");
  await p.getByLabel("会议名称").fill("交通运输执法领域行政检察监督座谈会");
  await p.locator("input[name=held_on]").fill(daysFromNow(-3));
  await p.getByLabel("地点").fill("本院第一会议室");
  for (const a of ["区交通运输局", "区公安局", "区司法局"]) await p.getByLabel(a).check();
  await p.getByLabel("参会人员").fill("张检察长，检察长\n陈科长，法规科科长，区交通运输局\n孙大队长，交警大队大队长，区公安局\n吴科长，执法监督科科长，区司法局");
  await p.getByLabel("达成的共识").fill("1. 各单位确定联络员负责信息交换\n2. 原则上每年召开一次联席会议\n3. 重大案件及时通报、线索及时移送");
  await p.getByRole("button", { name: "保存" }).click();
  await p.waitForURL(/\/meetings\/\d+\?notice=created/);
  const meetingUrl = p.url().split("?")[0];
  assert.equal(await p.getByTestId("consensus").locator("li").count(), 3);
  assert.match(await p.getByTestId("meeting-agencies").textContent(), /区交通运输局、区公安局、区司法局/);
  const [download] = await Promise.all([p.waitForEvent("download"), p.getByTestId("minutes-docx").click()]);
  assert.match(download.suggestedFilename(), /座谈会纪要.*\.docx$/);
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.subarray(0, 2).toString(), "PK", "a DOCX is a zip package");

  // A case notice and a file request to the transport bureau.
  await p.getByRole("link", { name: "信息交流", exact: true }).click();
  await p.getByRole("link", { name: "发起" }).click();
  await p.getByLabel("类别").selectOption("case_notice");
  await p.getByLabel("行政机关").selectOption({ label: "区交通运输局" });
  await p.getByLabel("标题").fill("关于高铁站周边非法营运案件的通报");
  await p.getByLabel("内容", { exact: true }).fill("经审查，该类案件扣押车辆后未当场交付决定书，请核查整改。");
  await p.getByRole("button", { name: "发出" }).click();
  await p.waitForURL(/\/exchanges\/\d+\?notice=created/);
  const noticeUrl = p.url().split("?")[0];
  await p.goto(server.url + "/file-requests/new");
  await p.getByLabel("被调取的行政机关").selectOption({ label: "区交通运输局" });
  await p.getByLabel("调取事由").fill("网约车监管执法卷宗");
  await p.getByLabel("案件编号（每行一个）").fill("JT-2023-0201");
  await p.getByRole("button", { name: "发出" }).click();
  await p.waitForURL(/\/file-requests\/\d+\?notice=created/);
  const requestUrl = p.url().split("?")[0];

  // The transport liaison: both are waiting; acknowledge and answer.
  const l = await newPage(browser);
  await login(l, server.url, "liaison.jt");
  await l.waitForURL(server.url + "/");
  const work = await l.getByTestId("work").textContent();
  assert.match(work, /待签收的信息交流 1 件/);
  assert.match(work, /待答复的调取卷宗 1 件/);
  await l.goto(noticeUrl);
  await l.getByRole("button", { name: "签收" }).click();
  await l.waitForURL(/notice=saved/);
  await l.getByLabel("反馈内容").fill("已约谈相关执法人员，整改情况另行书面反馈。");
  await l.getByRole("button", { name: "提交反馈" }).click();
  await l.waitForURL(/notice=saved/);
  assert.match(await l.getByTestId("exchange-status").textContent(), /已反馈/);
  await l.goto(requestUrl);
  await l.getByRole("button", { name: "签收" }).click();
  await l.waitForURL(/notice=saved/);
  await l.getByLabel("答复内容").fill("卷宗纸质件已移交。");
  await l.getByRole("button", { name: "提交答复" }).click();
  await l.waitForURL(/notice=saved/);
  // It sees the symposium it attended, not the office's campaign.
  await l.goto(meetingUrl);
  assert.equal(await l.getByTestId("consensus").locator("li").count(), 3);
  assert.equal((await l.goto(campaignUrl)).status(), 404);
  await l.context().close();

  // The police liaison sees neither the notice nor the file request.
  const g = await newPage(browser);
  await login(g, server.url, "liaison.ga");
  await g.waitForURL(server.url + "/");
  assert.equal((await g.goto(noticeUrl)).status(), 404);
  assert.equal((await g.goto(requestUrl)).status(), 404);
  await g.goto(server.url + "/exchanges");
  assert.doesNotMatch(await g.locator("main").textContent(), /高铁站周边非法营运/);
  await g.goto(server.url + "/file-requests");
  assert.doesNotMatch(await g.locator("main").textContent(), /网约车监管执法卷宗/);
  await g.context().close();

  // The prosecutor sees the feedback; then an agreement signed over a year ago
  // whose yearly joint meeting has not been held.
  await p.goto(noticeUrl);
  assert.match(await p.getByTestId("exchange-response").textContent(), /已约谈相关执法人员/);
  await p.getByRole("link", { name: "协作协议", exact: true }).click();
  await p.getByRole("link", { name: "登记协议" }).click();
  await p.getByLabel("协议名称").fill("关于加强行政检察与交通运输行政执法衔接工作的意见");
  await p.getByLabel("签订日期").fill(daysFromNow(-400));
  await p.getByLabel("区交通运输局").check();
  await p.getByRole("button", { name: "登记" }).click();
  await p.waitForURL(/\/agreements\/\d+\?notice=created/);
  const obligations = await p.getByTestId("obligations").textContent();
  assert.match(obligations, /未召开联席会议，已超过约定的“每年”期限/);
  assert.match(obligations, /未开展信息共享，已超过约定的“每季度”期限/);
  assert.match(obligations, /关于高铁站周边非法营运案件的通报/, "the case notice fulfils its obligation");
  // The agency's page gathers it all.
  await p.getByRole("link", { name: "行政机关", exact: true }).click();
  await p.getByRole("link", { name: "区交通运输局", exact: true }).click();
  const overview = await p.getByTestId("coordination").textContent();
  assert.match(overview, /本院发出\s*2 件/, "the demo's 2023 case notice and this one");
  assert.match(overview, /交通运输执法领域行政检察监督座谈会/);
  assert.match(overview, /未召开联席会议/);
  await p.screenshot({ path: "test-results/agency.png", fullPage: true });
  // The dashboard: figures and charts whose bars lead to the lists.
  await p.getByRole("link", { name: "统计", exact: true }).click();
  assert.match(await p.getByTestId("figures").textContent(), /已完成 1\/4/);
  assert.equal(await p.getByTestId("chart").count(), 6);
  await p.screenshot({ path: "test-results/dashboard.png", fullPage: true });
  await p.locator('svg a[href="/exchanges?agency_id=1"]').first().click();
  await p.waitForURL(/\/exchanges\?agency_id=1/);
  assert.match(await p.getByTestId("exchange-list").textContent(), /关于高铁站周边非法营运案件的通报/);
  await p.context().close();
});
