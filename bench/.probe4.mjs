import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';
const srv = await startServer();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
for (const n of [2, 4]) {
const page = await browser.newPage();
page.on('console', m => console.error('console:', m.text()));
await page.goto(srv.url + '/bench/index.html');
await page.waitForFunction(() => window.benchReady);
console.log(n, await page.evaluate(async (n) => {
  const before = tf.engine().backendName;
  tf.wasm.setWasmPaths(location.origin + '/tfjs-backend-wasm/');
  tf.wasm.setThreadsCount(n);
  await tf.setBackend('wasm');
  return { before, threads: tf.wasm.getThreadsCount(), hc: navigator.hardwareConcurrency };
}, n));
}
await browser.close(); await srv.close();
