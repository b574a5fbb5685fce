// Starts the real `xingjian` binary on a random port with the demo office,
// in a fresh data directory, and stops it afterwards.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PASSWORD = "Demo-Pass-2023";

// The server under test uses its own embedded database, whatever the caller's environment says.
function withoutXingjianVars(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("XINGJIAN_")));
}

export async function startServer() {
  const bin = process.env.XINGJIAN_BIN || join(root, "target", "debug", "xingjian");
  const dataDir = mkdtempSync(join(tmpdir(), "xj-e2e-"));
  const child = spawn(bin, ["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    env: { ...withoutXingjianVars(process.env), XINGJIAN_DEMO_PASSWORD: PASSWORD },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start:\n" + stderr)), 60000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// A page in a fresh context (no cookies), in Chinese.
export async function newPage(browser) {
  const context = await browser.newContext({ locale: "zh-CN" });
  return context.newPage();
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function login(page, base, username, password = PASSWORD) {
  await page.goto(base + "/login");
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
}
