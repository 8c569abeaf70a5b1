import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

// Debian's Chromium; browsers are never downloaded. `.ci/run` installs it when missing.
const CHROMIUM = '/usr/bin/chromium';

describe('Swagger UI in a real browser', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium) to run this test`,
      );
    }
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  /** Expands an operation, presses "Try it out", optionally edits the body, and executes it. */
  async function tryItOut(
    tag: string,
    operationId: string,
    body?: string,
  ): Promise<{ status: string; text: string }> {
    const block = page.locator(`#operations-${tag}-${operationId}`);
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    if (body !== undefined) await block.locator('textarea.body-param__text').fill(body);
    await block.locator('button.execute').click();
    const response = block.locator('.live-responses-table .response').first();
    await response.waitFor({ timeout: 10_000 });
    return {
      status: (await response.locator('.response-col_status').innerText()).trim(),
      text: await response.locator('.response-col_description').innerText(),
    };
  }

  it('loads the UI with the gateway operations', async () => {
    await page.goto(`${gateway.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    expect(await page.title()).toContain('Swagger');
    expect(await page.locator('.opblock').count()).toBeGreaterThan(8);
  });

  it('runs GET /health from the page and shows the answer', async () => {
    const { status, text } = await tryItOut('health', 'health');
    expect(status).toBe('200');
    expect(text).toContain('"servers_connected": 1');
  });

  it('runs POST /mcp/execute with the echo tool from the page', async () => {
    const { status, text } = await tryItOut(
      'tools',
      'executeTool',
      JSON.stringify({ tool_name: 'demo__echo', args: { message: 'hello from the browser' } }),
    );
    expect(status).toBe('200');
    expect(text).toContain('hello from the browser');
  });

  it("runs the servers' add and remove examples as they are prefilled", async () => {
    // They name the README's remote demo server. None runs here: the add reports it failed
    // (and keeps nothing), the remove finds no such server; but both bodies are accepted.
    const added = await tryItOut('servers', 'addServers');
    expect(added.status).toBe('201');
    expect(added.text).toMatch(
      /"failed": \[\s*\{\s*"name": "remote",\s*"error": "[^"]*127\.0\.0\.1:3001/,
    );
    const removed = await tryItOut('servers', 'removeServer');
    expect(removed.status).toBe('404');
    expect(removed.text).toContain('SERVER_NOT_FOUND');
    expect(removed.text).toContain("'remote'");
  });
});
