// The reader page: the home feed of this backend in the shape of the Toutiao app, with no build step.
// Anonymous by default (a stable "Anony" id in local storage), signed in with an SMS code. The token
// lives in session storage: gone with the tab, never left behind in the browser's profile.
'use strict';

const $ = (id) => document.getElementById(id);
const store = window.localStorage;
const session = window.sessionStorage;
const state = { channel: 0, nextTimestamp: 0, shown: new Set(), loading: false, generation: 0, article: null, openedAt: 0 };

function anonymousId() {
  let id = store.getItem('toutiao.anony');
  if (!id) {
    id = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/-/g, '');
    store.setItem('toutiao.anony', id);
  }
  return id;
}

function authorization() {
  const token = session.getItem('toutiao.token');
  return token ? 'Bearer ' + token : 'Anony ' + anonymousId();
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: authorization(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && session.getItem('toutiao.token')) {
      signOut();
    }
    throw new Error((json && json.message) || response.statusText);
  }
  return json && json.data;
}

function say(text) { $('message').textContent = text || ''; }

// Tracking strings go back as they came; the page never waits for them.
function report(param, readTime) {
  if (!param) return;
  api('POST', '/v1_0/behaviors', readTime === undefined ? { param } : { param, read_time: readTime }).catch((e) => say(e.message));
}

async function loadChannels() {
  const data = await api('GET', '/v1_0/channels');
  const nav = $('channels');
  nav.replaceChildren(...data.channels.map((channel) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = channel.name;
    button.dataset.channelId = channel.id;
    button.addEventListener('click', () => selectChannel(channel.id));
    return button;
  }));
}

function selectChannel(id) {
  state.channel = id;
  for (const button of $('channels').children) {
    button.classList.toggle('active', Number(button.dataset.channelId) === id);
  }
  refresh();
}

function renderItem(item) {
  const li = document.createElement('li');
  li.dataset.articleId = item.art_id;
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = item.title;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${item.aut_name} · ${item.comm_count} 评论 · ${item.like_count} 赞`;
  li.append(title, meta);
  li.addEventListener('click', () => openArticle(item));
  return li;
}

// A fresh page (pull to refresh) goes on top; the next older page (scrolling down) at the bottom.
async function loadPage(fresh) {
  // One scroll load at a time; a refresh always loads, and answers for a list since reset are dropped.
  if (!fresh && state.loading) return;
  const generation = state.generation;
  state.loading = true;
  const timestamp = fresh || !state.nextTimestamp ? Date.now() : state.nextTimestamp;
  $(fresh ? 'pull' : 'more').textContent = '加载中…';
  try {
    const data = await api('GET', `/v1_1/articles?channel_id=${state.channel}&timestamp=${timestamp}`);
    if (generation !== state.generation) return;
    const items = data.results.filter((item) => !state.shown.has(item.art_id));
    items.forEach((item) => state.shown.add(item.art_id));
    const feed = $('feed');
    const first = feed.children.length === 0;
    const nodes = items.map(renderItem);
    if (fresh) feed.prepend(...nodes); else feed.append(...nodes);
    // Scrolling goes on from the oldest page shown: a refresh on top does not move it. At the end of
    // the reader's history (0) it loads fresh articles, as the app does.
    if (!fresh || first) state.nextTimestamp = data.pre_timestamp;
    $(fresh ? 'pull' : 'more').textContent = fresh ? `为你更新了 ${items.length} 条` : '';
    say('');
  } catch (e) {
    if (generation === state.generation) {
      say(e.message);
      $(fresh ? 'pull' : 'more').textContent = '';
    }
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

function refresh() {
  state.generation += 1;
  state.loading = false;
  state.shown.clear();
  state.nextTimestamp = 0;
  $('feed').replaceChildren();
  return loadPage(true);
}

async function openArticle(item) {
  report(item.trace && item.trace.click);
  state.article = item;
  state.openedAt = Date.now();
  $('home').hidden = true;
  $('detail').hidden = false;
  $('detail-title').textContent = item.title;
  $('detail-content').textContent = '';
  await showDetail(item.art_id);
}

async function showDetail(id) {
  try {
    const detail = await api('GET', `/v1_0/articles/${id}`);
    $('detail-meta').textContent = `${detail.aut_name} · ${detail.pubdate}`;
    $('detail-content').innerHTML = detail.content;
    $('like-count').textContent = detail.like_count;
    $('collect-count').textContent = detail.collect_count;
  } catch (e) {
    say(e.message);
  }
}

function closeArticle() {
  const item = state.article;
  if (item) report(item.trace && item.trace.read, Math.round((Date.now() - state.openedAt) / 1000));
  state.article = null;
  $('detail').hidden = true;
  $('home').hidden = false;
}

// Like and collect are toggles; the count shown is the server's afterwards.
async function toggle(button, path) {
  const item = state.article;
  if (!item) return;
  if (!session.getItem('toutiao.token')) {
    say('登录后才能点赞和收藏');
    return;
  }
  try {
    if (button.classList.contains('on')) {
      await api('DELETE', `/v1_0/article/${path}/${item.art_id}`);
    } else {
      await api('POST', `/v1_0/article/${path}`, { target: item.art_id });
    }
    button.classList.toggle('on');
    await showDetail(item.art_id);
  } catch (e) {
    say(e.message);
  }
}

async function getCode() {
  const mobile = $('mobile').value.trim();
  try {
    // Development only: the backend hands the code out instead of sending an SMS.
    const data = await api('POST', `/dev/sms-codes/${encodeURIComponent(mobile)}`);
    $('code').value = data.code;
  } catch (e) {
    say(e.message);
  }
}

async function signIn(event) {
  event.preventDefault();
  try {
    const data = await api('POST', '/v1_0/authorizations', { mobile: $('mobile').value.trim(), code: $('code').value.trim() });
    session.setItem('toutiao.token', data.token);
    session.setItem('toutiao.mobile', $('mobile').value.trim());
    showAccount();
    refresh();
  } catch (e) {
    say(e.message);
  }
}

function signOut() {
  session.removeItem('toutiao.token');
  session.removeItem('toutiao.mobile');
  showAccount();
}

function showAccount() {
  const signedIn = Boolean(session.getItem('toutiao.token'));
  $('sign-in').hidden = signedIn;
  $('signed-in').hidden = !signedIn;
  $('who').textContent = signedIn ? session.getItem('toutiao.mobile') || '' : '';
}

// Pull to refresh: a pull of 60 px down from the top of the list.
let pullStart = null;
window.addEventListener('touchstart', (e) => { pullStart = window.scrollY === 0 ? e.touches[0].clientY : null; });
window.addEventListener('touchend', (e) => {
  if (pullStart !== null && e.changedTouches[0].clientY - pullStart > 60 && !$('home').hidden) loadPage(true);
  pullStart = null;
});

// Infinite scroll: the end of the list coming into view loads the next older page.
// The callback runs a frame later: the list may have grown meanwhile (a refresh that just arrived),
// so where the end is now decides.
new IntersectionObserver(() => {
  const endInView = $('more').getBoundingClientRect().top < window.innerHeight;
  if (endInView && !$('home').hidden && $('feed').children.length > 0) loadPage(false);
}).observe($('more'));

$('refresh').addEventListener('click', () => loadPage(true));
$('back').addEventListener('click', closeArticle);
$('like').addEventListener('click', () => toggle($('like'), 'likings'));
$('collect').addEventListener('click', () => toggle($('collect'), 'collections'));
$('get-code').addEventListener('click', getCode);
$('sign-in').addEventListener('submit', signIn);
// Signing out ends the sign-in on the server too, so the token is worth nothing wherever it went.
$('log-out').addEventListener('click', async () => {
  await api('DELETE', '/v1_0/authorizations').catch(() => {});
  signOut();
  refresh();
});

showAccount();
loadChannels().then(() => selectChannel(0)).catch((e) => say(e.message));
