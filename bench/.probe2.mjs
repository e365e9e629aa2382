import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';
const srv = await startServer();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
for (const cfg of JSON.parse(process.argv[2])) {
const page = await browser.newPage();
page.on('console', m => { if (m.type() === 'error') console.error('console:', m.text()); });
await page.goto(srv.url + '/bench/index.html');
await page.waitForFunction(() => window.benchReady);
const fn = cfg.ours ? 'ours' : 'tfjs';
console.log(JSON.stringify(await page.evaluate(([fn, c]) => bench[fn](c), [fn, cfg])));
await page.close();
}
await browser.close(); await srv.close();
