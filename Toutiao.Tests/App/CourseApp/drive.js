// Drives the course's app (lipengzhou/toutiao-m, served by its dev server) in headless Chromium
// against this backend, the way a reader uses it, and fails on any step that does not work or any
// API call answered 5xx. Not part of the test suite: it needs the app and npm (see the README).
//   npm install puppeteer-core@22 && APP=http://localhost:8080 WEB=http://localhost:5080 node drive.js
const puppeteer = require('puppeteer-core');
const APP = process.env.APP ?? 'http://localhost:8080';
const WEB = process.env.WEB ?? 'http://localhost:5080';
const SHOTS = process.env.SHOTS ?? '.';
const sleep = ms => new Promise(r => setTimeout(r, ms));

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 375, height: 800, isMobile: true, hasTouch: true });
  const calls = [];
  const failures = [];
  page.on('response', r => { if (r.url().includes('/api/')) calls.push({ status: r.status(), what: `${r.request().method()} ${r.url().replace(APP, '')}` }); });
  page.on('pageerror', e => failures.push(`page error: ${e.message}`));

  const go = async path => { await page.goto(APP + path, { waitUntil: 'networkidle2' }); await sleep(700); };
  const text = () => page.evaluate(() => document.body.innerText);
  const clickText = async (selector, t) => (await page.waitForSelector(`${selector}::-p-text(${t})`, { timeout: 8000 })).click();
  const step = async (name, fn) => {
    try { await fn(); console.log(`ok    ${name}`); } catch (e) { failures.push(`${name}: ${e.message}`); console.log(`FAIL  ${name}: ${e.message}`); }
    await page.screenshot({ path: `${SHOTS}/${name}.png` });
  };
  const expectText = async t => { if (!(await text()).includes(t)) throw new Error(`"${t}" not on the page`); };

  // Anonymous: home, another channel, scrolling, an article.
  await step('01-home', async () => { await go('/'); await page.waitForSelector('.article-item', { timeout: 15000 }); });
  await step('02-channel', async () => { (await page.$$('.van-tab'))[2].click(); await sleep(1500); });
  await step('03-scroll', async () => {
    const before = calls.filter(c => c.what.includes('/v1_1/articles')).length;
    for (let i = 0; i < 4; i++) { await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight)); await sleep(1000); }
    if (calls.filter(c => c.what.includes('/v1_1/articles')).length <= before) throw new Error('scrolling loaded no older page');
  });
  await step('04-article', async () => { await page.evaluate(e => e.click(), (await page.$$('.article-item'))[0]); await page.waitForSelector('.markdown-body', { timeout: 10000 }); });

  // Sign in with a code (the development endpoint hands out a fresh one: the app's request logs it).
  const mobile = '136' + Math.floor(10000000 + Math.random() * 89999999);
  await step('05-login', async () => {
    await go('/#/login');
    await page.waitForSelector('input[placeholder="请输入手机号"]');
    await page.type('input[placeholder="请输入手机号"]', mobile);
    await clickText('button', '获取验证码'); await sleep(1500);
    const { data } = await (await fetch(`${WEB}/dev/sms-codes/${mobile}`, { method: 'POST' })).json();
    await page.type('input[placeholder="请输入验证码"]', data.code);
    await clickText('button', '登录'); await sleep(2500);
    if (page.url().includes('/login')) throw new Error('still on the login page');
  });

  // Signed in: read, follow, like, collect, comment, like a comment, reply.
  let articleUrl;
  await step('06-article-signed-in', async () => {
    await go('/'); await page.waitForSelector('.article-item', { timeout: 15000 });
    await page.evaluate(e => e.click(), (await page.$$('.article-item'))[1]);
    await page.waitForSelector('.markdown-body', { timeout: 10000 }); articleUrl = page.url();
  });
  await step('07-follow', async () => { await clickText('button', '关注'); await sleep(1200); await expectText('已关注'); });
  await step('08-like-collect', async () => {
    await page.click('.footer .van-icon-good-job-o'); await sleep(1000); await page.click('.footer .van-icon-star-o'); await sleep(1000);
    await page.waitForSelector('.footer .van-icon-good-job'); await page.waitForSelector('.footer .van-icon-star');
  });
  const comment = '写得真好 ' + Date.now();
  await step('09-comment', async () => { await clickText('button', '写评论'); await sleep(800); await page.type('.post-comment textarea', comment); await clickText('.post-btn', '发布'); await sleep(1500); await expectText(comment); });
  await step('10-comment-like', async () => { await page.click('.comment-item .like-container .van-icon'); await sleep(1000); });
  await step('11-reply', async () => {
    await clickText('.comment-item button', '回复'); await sleep(1000);
    await page.evaluate(() => { const b = [...document.querySelectorAll('button')].filter(x => x.innerText.includes('写评论')); b[b.length - 1].click(); }); await sleep(800);
    const areas = await page.$$('.post-comment textarea'); await areas[areas.length - 1].type('同意');
    const buttons = await page.$$('.post-btn'); await buttons[buttons.length - 1].click(); await sleep(1500); await expectText('1条回复');
  });
  await step('12-article-again', async () => {
    await page.goto('about:blank'); await page.goto(articleUrl, { waitUntil: 'networkidle2' }); await page.waitForSelector('.markdown-body');
    await page.waitForSelector('.footer .van-icon-good-job'); await page.waitForSelector('.footer .van-icon-star'); await expectText('已关注'); await expectText(comment);
  });

  await step('13-channels', async () => {
    await go('/'); await page.waitForSelector('.wap-nav'); await page.click('.wap-nav'); await sleep(1000);
    const grids = await page.$$('.channel-container .van-grid');
    const added = await grids[1].$eval('.van-grid-item__content', e => e.innerText.trim());
    await (await grids[1].$('.van-grid-item__content')).click(); await sleep(1200);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('user')).token);
    const mine = async () => (await (await fetch(`${WEB}/v1_0/user/channels`, { headers: { Authorization: 'Bearer ' + token } })).json()).data.channels.map(c => c.name);
    if (!(await mine()).includes(added)) throw new Error(`channel ${added} not added`);
    await clickText('.channel-container button', '编辑'); await sleep(500);
    await page.evaluate(name => [...document.querySelectorAll('.channel-container .van-grid')][0].querySelectorAll('.van-grid-item__content').forEach(e => { if (e.innerText.trim() === name) e.click(); }), added); await sleep(1200);
    if ((await mine()).includes(added)) throw new Error(`channel ${added} not removed`);
  });
  // Search, the reader's pages, the profile.
  await step('14-search', async () => {
    await go('/#/search'); await page.waitForSelector('.search-form input'); await page.type('.search-form input', '读懂'); await sleep(1500);
    await page.keyboard.press('Enter'); await sleep(2000); await expectText('一文读懂');
  });
  await step('15-my', async () => { await go('/#/my'); await expectText(mobile); });
  await step('16-profile-name', async () => {
    await go('/#/user/profile'); await clickText('.van-cell', '昵称'); await sleep(600);
    const field = await page.$('.van-popup .van-field textarea, .van-popup .van-field input'); await field.click({ clickCount: 3 });
    for (let i = 0; i < 20; i++) await page.keyboard.press('Backspace');
    await field.type('读者' + (Date.now() % 10000)); await clickText('.van-nav-bar__right', '完成'); await sleep(1200);
  });
  await step('17-profile-gender', async () => { await clickText('.van-cell', '性别'); await sleep(600); await clickText('.van-picker-column__item', '女'); await sleep(300); await clickText('.van-picker__confirm', '确认'); await sleep(1200); });
  await step('18-profile-birthday', async () => { await clickText('.van-cell', '生日'); await sleep(800); await clickText('.van-picker__confirm', '完成'); await sleep(1200); });
  await step('19-profile-photo', async () => {
    require('fs').writeFileSync('/tmp/toutiao-photo.png', Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGUlEQVR4nGP4z8DwnxLMMGrAqAGjBgwXAwCwqf8Bx8H2RwAAAABJRU5ErkJggg==', 'base64'));
    await (await page.$('input[type=file]')).uploadFile('/tmp/toutiao-photo.png'); await sleep(1500);
    await clickText('span', '完成'); await sleep(2000);
  });
  await step('20-profile-again', async () => { await go('/#/user/profile'); await sleep(800); await expectText('女'); await expectText('读者'); });
  await step('21-collections-history', async () => {
    await go('/#/my-article/collect'); await sleep(1200); await page.waitForSelector('.article-item');
    await clickText('.van-tab', '历史'); await sleep(1500);
  });
  await step('22-author-page', async () => { await page.goto('about:blank'); await page.goto(articleUrl, { waitUntil: 'networkidle2' }); await page.waitForSelector('.markdown-body'); await page.click('.author .base-info'); await sleep(2000); await expectText('发布'); });
  await step('23-followings-followers', async () => {
    await go('/#/my'); await page.evaluate(() => [...document.querySelectorAll('.van-grid-item__content')].find(e => e.innerText.includes('关注')).click()); await sleep(1500);
    await expectText('已关注'); const tabs = await page.$$('.van-tab'); await tabs[tabs.length - 1].click(); await sleep(1500);
  });

  await step('24-undo', async () => {
    await page.goto('about:blank'); await page.goto(articleUrl, { waitUntil: 'networkidle2' }); await page.waitForSelector('.footer .van-icon-good-job');
    await page.click('.footer .van-icon-good-job'); await sleep(1000); await page.click('.footer .van-icon-star'); await sleep(1000);
    await clickText('button', '已关注'); await sleep(1200);
    await page.goto('about:blank'); await page.goto(articleUrl, { waitUntil: 'networkidle2' }); await page.waitForSelector('.markdown-body');
    await page.waitForSelector('.footer .van-icon-good-job-o'); await page.waitForSelector('.footer .van-icon-star-o');
    if ((await text()).includes('已关注')) throw new Error('still followed after unfollowing');
  });

  const used = [...new Set(calls.map(c => `${c.status} ${c.what.replace(/\?.*/, '').replace(/\d{3,}/g, '{n}')}`))].sort();
  console.log(used.join('\n'));
  for (const c of calls.filter(c => c.status >= 500)) failures.push(`${c.status} ${c.what}`);
  await browser.close();
  if (failures.length) { console.log('\nFAILED:\n' + failures.join('\n')); process.exit(1); }
  console.log(`\nall steps passed, ${calls.length} API calls, none 5xx`);
})();
