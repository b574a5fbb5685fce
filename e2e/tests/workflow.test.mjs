// The supervision workflow as users walk it in a real browser: a 12309 clue →
// triage → file request → the liaison answers → a case → an inquiry → 处理决定.
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

test("12309 clue to a case decision, with the liaison answering the file request", async () => {
  const p = await newPage(browser);
  await login(p, server.url, "prosecutor");
  await p.waitForURL(server.url + "/");

  // Intake: an anonymous 12309 report about the transport bureau.
  await p.getByRole("link", { name: "问题线索" }).click();
  await p.getByRole("link", { name: "登记线索" }).click();
  await p.getByLabel("来源").selectOption("12309");
  await p.getByLabel("接收时间").fill("2026-06-01T09:30");
  await p.getByLabel("标题（事由摘要）").fill("高铁站扣车未交付决定书");
  await p.getByLabel("内容", { exact: true }).fill("反映人称车辆在高铁站被扣押，执法人员未当场交付《行政强制措施决定书》。");
  await p.getByLabel("被反映的行政机关").selectOption({ label: "区交通运输局" });
  await p.getByLabel("车牌号").fill("豫A·D1234");
  await p.getByLabel("匿名").check();
  await p.getByRole("button", { name: "登记" }).click();
  await p.waitForURL(/\/clues\/\d+\?notice=created/);
  const clueUrl = p.url().split("?")[0];
  assert.match(await p.getByTestId("deadlines").textContent(), /12309 程序性回复.*2026-06-10/s);

  // Triage: assign to myself.
  await p.getByTestId("triage-form").locator("select[name=assignee_id]").selectOption({ label: "王检察官（检察官）" });
  await p.getByTestId("triage-form").getByRole("button", { name: "保存" }).click();
  await p.waitForURL(/notice=saved/);
  assert.match(await p.getByTestId("clue-status").textContent(), /办理中/);

  // File request to the bureau.
  await p.getByRole("link", { name: "就此线索调取卷宗" }).click();
  await p.getByLabel("调取事由").fill("高铁站扣押车辆案件卷宗");
  await p.getByLabel("案件编号（每行一个）").fill("JT-2023-0107\nJT-2023-0108");
  await p.getByRole("button", { name: "发出" }).click();
  await p.waitForURL(/\/file-requests\/\d+\?notice=created/);
  const requestUrl = p.url().split("?")[0];
  assert.match(await p.getByTestId("file-request-status").textContent(), /待签收/);

  // The bureau's liaison acknowledges and answers.
  const l = await newPage(browser);
  await login(l, server.url, "liaison.jt");
  await l.waitForURL(server.url + "/");
  assert.match(await l.getByTestId("work").textContent(), /待答复的调取卷宗 1 件/);
  await l.goto(requestUrl);
  await l.getByRole("button", { name: "签收" }).click();
  await l.waitForURL(/notice=saved/);
  await l.getByLabel("答复内容").fill("两件卷宗纸质件已移交，电子数据已导入。");
  await l.getByRole("button", { name: "提交答复" }).click();
  await l.waitForURL(/notice=saved/);
  assert.match(await l.getByTestId("file-request-status").textContent(), /已答复/);
  // The liaison cannot open the office's clue.
  assert.equal((await l.goto(clueUrl)).status(), 404);
  await l.context().close();

  // The prosecutor sees the answer, opens a case on the clue.
  await p.goto(requestUrl);
  assert.match(await p.getByTestId("file-request-response").textContent(), /两件卷宗纸质件已移交/);

  // 逐案评查 of the two files retrieved: one has a problem on the five dimensions.
  await p.getByRole("link", { name: "按调取的卷宗建立评查批次" }).click();
  await p.getByLabel("批次名称").fill("高铁站扣押车辆卷宗评查");
  await p.getByRole("button", { name: "建立" }).click();
  await p.waitForURL(/\/reviews\/\d+\?notice=created/);
  await p.getByRole("link", { name: "JT-2023-0107" }).click();
  await p.getByLabel("方面").selectOption("执法不规范");
  await p.getByLabel("问题").fill("未当场交付《行政强制措施决定书》");
  await p.getByLabel("依据").fill("卷宗第 4 页送达回证日期晚于扣押日");
  await p.getByRole("button", { name: "添加" }).click();
  await p.waitForURL(/notice=saved/);
  await p.getByRole("button", { name: "评查完毕" }).click();
  await p.waitForURL(/notice=saved/);
  assert.match(await p.getByTestId("review-status").textContent(), /已评查，可能存在问题/);
  assert.match(await p.getByTestId("checklist").textContent(), /执法不规范\s*存在问题 1 项/);
  assert.match(await p.getByTestId("checklist").textContent(), /执法寻租\s*未发现问题/);
  await p.getByRole("link", { name: /← 高铁站扣押车辆卷宗评查/ }).click();
  assert.match(await p.getByTestId("review-summary").textContent(), /可能存在问题\s*1 件/);
  await p.goto(clueUrl);
  await p.getByTestId("open-case-form").getByLabel("案件名称").fill("区交通运输局扣押车辆程序违法监督案");
  await p.getByRole("button", { name: "受理为监督案件" }).click();
  await p.waitForURL(/\/cases\/\d+\?notice=created/);
  const caseUrl = p.url().split("?")[0];
  assert.match(await p.getByTestId("case-number").textContent(), /上检行监〔\d{4}〕1号/);

  const move = async (page, action, fields) => {
    const form = page.locator(`form[data-action="${action}"]`);
    for (const [label, value] of Object.entries(fields)) {
      const field = form.getByLabel(label);
      if ((await field.evaluate((e) => e.tagName)) === "SELECT") await field.selectOption({ label: value });
      else await field.fill(value);
    }
    await form.getByRole("button", { name: action }).click();
    await page.waitForURL(/notice=saved/);
  };
  await move(p, "立案", { 立案理由: "扣押车辆未当场交付决定书，涉嫌程序违法" });
  await move(p, "开始调查核实", { 调查核实计划: "调阅卷宗，询问当事人及执法人员" });
  assert.match(await p.getByTestId("case-stage").textContent(), /调查核实/);

  // An inquiry record of the party.
  await p.getByRole("link", { name: "记录询问" }).click();
  await p.getByLabel("开始时间").fill("2026-06-05T09:00");
  await p.getByLabel("结束时间").fill("2026-06-05T09:40");
  await p.getByLabel("地点").fill("上街区人民检察院询问室");
  await p.getByLabel("询问人（两人以上，用顿号分隔）").fill("王检察官、赵检察官助理");
  await p.getByLabel("记录人").fill("刘书记员");
  await p.getByLabel("被询问人").fill("张三");
  await p.locator("select[name=interviewee_role]").selectOption("party");
  await p.getByLabel(/问答/).fill("问：车辆被扣押时是否收到决定书？\n答：没有。");
  await p.getByRole("button", { name: "保存" }).click();
  await p.waitForURL(/\/cases\/\d+\?notice=saved/);
  assert.match(await p.getByTestId("inquiries").textContent(), /第 1 次询问：张三（行政相对人）/);

  await move(p, "调查终结，提请审查", { 调查核实结论: "未当场交付决定书属实" });
  await p.context().close();

  // The deputy chief decides.
  const d = await newPage(browser);
  await login(d, server.url, "deputy");
  await d.waitForURL(server.url + "/");
  await d.goto(caseUrl);
  await move(d, "作出处理决定", { 处理决定: "提出检察建议", 决定理由: "行政强制措施程序违法，应予纠正" });
  assert.match(await d.getByTestId("case-stage").textContent(), /处理决定/);
  assert.match(await d.getByTestId("case-history").textContent(), /未当场交付决定书属实/);
  await d.screenshot({ path: "test-results/case.png", fullPage: true });

  // 检察建议 from the case: drafted with the facts and the file review's finding.
  const p2 = await newPage(browser);
  await login(p2, server.url, "prosecutor");
  await p2.waitForURL(server.url + "/");
  await p2.goto(caseUrl);
  await p2.getByRole("link", { name: "起草检察建议" }).click();
  assert.match(await p2.getByLabel("查明的事实").inputValue(), /未当场交付决定书属实/);
  assert.match(await p2.getByLabel("查明的事实").inputValue(), /未当场交付《行政强制措施决定书》/);
  assert.ok(await p2.getByRole("checkbox", { name: "区交通运输局" }).isChecked());
  await p2.getByRole("button", { name: "保存初稿" }).click();
  await p2.waitForURL(/\/recommendations\/\d+\?notice=created/);
  const recUrl = p2.url().split("?")[0];
  await p2.getByRole("button", { name: "提请审批" }).click();
  await p2.waitForURL(/notice=saved/);
  assert.match(await p2.getByTestId("recommendation-status").textContent(), /待审批/);

  // The deputy chief approves: numbered.
  await d.goto(recUrl);
  await d.getByTestId("decide-form").getByLabel("审批意见").fill("同意");
  await d.getByRole("button", { name: "批准签发" }).click();
  await d.waitForURL(/notice=saved/);
  const docNumber = (await d.getByTestId("doc-number").textContent()).trim();
  assert.match(docNumber, /^上检行建〔\d{4}〕1号$/);
  await d.context().close();

  // The letter downloads as DOCX.
  await p2.goto(recUrl);
  const [letter] = await Promise.all([p2.waitForEvent("download"), p2.getByTestId("letter-docx").click()]);
  assert.ok(letter.suggestedFilename().includes(docNumber));
  assert.equal(readFileSync(await letter.path()).subarray(0, 2).toString(), "PK");

  // Public delivery with a people's supervisor.
  const deliver = p2.getByTestId("deliver-form");
  await deliver.getByLabel("送达方式").selectOption("public");
  await deliver.getByLabel("签收人").fill("王副局长");
  await deliver.getByLabel("地点").fill("区交通运输局会议室");
  await deliver.getByLabel("孙人民监督员").check();
  await deliver.getByRole("button", { name: "记录送达" }).click();
  await p2.waitForURL(/notice=saved/);
  assert.match(await p2.getByTestId("recommendation-status").textContent(), /已送达/);
  const s = await newPage(browser);
  await login(s, server.url, "supervisor");
  await s.waitForURL(server.url + "/");
  await s.goto(recUrl);
  await s.getByLabel("监督意见").fill("宣告送达程序规范，被建议单位态度端正。");
  await s.getByRole("button", { name: "提交监督意见" }).click();
  await s.waitForURL(/notice=saved/);
  await s.context().close();

  // The bureau's liaison replies.
  const l2 = await newPage(browser);
  await login(l2, server.url, "liaison.jt");
  await l2.waitForURL(server.url + "/");
  await l2.goto(recUrl);
  await l2.getByLabel("回复内容（整改措施及结果）").fill("已约谈相关执法人员，开展以案促改警示教育，修订扣押车辆工作规程。");
  await l2.getByRole("button", { name: "提交回复" }).click();
  await l2.waitForURL(/notice=saved/);
  await l2.context().close();

  // Adopted; the recommendation and then the case are closed.
  await p2.goto(recUrl);
  assert.match(await p2.getByTestId("supervisor-opinion").textContent(), /宣告送达程序规范/);
  await p2.getByTestId("outcome-form").getByLabel("认定").selectOption("adopted");
  await p2.getByRole("button", { name: "认定" }).click();
  await p2.waitForURL(/notice=saved/);
  await p2.getByRole("button", { name: "检察建议办结" }).click();
  await p2.waitForURL(/notice=saved/);
  assert.match(await p2.getByTestId("recommendation-status").textContent(), /已结案/);
  await p2.goto(caseUrl);
  await move(p2, "转入跟进监督", { 跟进监督安排: "跟踪整改落实" });
  await move(p2, "结案", { 结案报告摘要: "检察建议已被采纳，整改到位" });
  assert.match(await p2.getByTestId("case-stage").textContent(), /结案/);
  await p2.context().close();
});
