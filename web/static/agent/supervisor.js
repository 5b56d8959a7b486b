// The supervisor's page: the tenant's live view (queues, agents, every live
// conversation, one of them read-only), refreshed every two seconds, and the
// reports. It reads /api/agent/v1/supervisor/*, which refuses anyone but a
// supervisor; this page only draws what the API answers.

import { $, h } from './dom.js';
import { lang, fmtClock, fmtTime } from './texts.js';
import { call, current, saveSession, login, onExpired, download, q, hasCookieSession } from './api.js';
import { setOffline } from './banner.js';

const zh = {
  brand: 'ccflow 主管视图', title: '主管视图', username: '用户名', password: '密码', login: '登录', logout: '退出', console: '客服工作台',
  loginFailed: '用户名或密码错误', expired: '登录已过期，请重新登录', tooMany: '尝试次数过多，请稍后再试',
  forbidden: '此页面需要主管角色，请联系管理员。', network: '网络中断，正在重新连接…',
  queues: '队列', group: '技能组', waiting: '排队', longest: '最长等待', estimate: '预计等待', noEstimate: '暂无估计', serving: '接待中', ready: '就绪座席',
  agents: '座席', agent: '座席', status: '状态', load: '负载', groups: '技能组',
  conversations: '进行中的会话', visitor: '访客', phase: '阶段', wait: '等待',
  lookingAt: '查看会话：', closeView: '关闭', readOnly: '只读：主管查看不会改变会话。', gone: '该会话已结束。',
  whisper: '悄悄话', whisperHint: '只有接待的座席能看到，访客看不到', whispered: '已发给接待座席', whisperFailed: '未发送：',
  takeOver: '接管', takeOverHint: '转给自己接待（需在工作台设为就绪且有空位）', tookOver: '已接管：会话已转到你的客服工作台', takeOverFailed: '未接管：',
  READY: '就绪', NOT_READY: '小休', OFFLINE: '离线',
  ROBOT: '机器人', QUEUED: '排队中', AGENT: '人工', SATISFACTION: '待评价', CLOSED: '已结束',
  reports: '报表', from: '从', to: '到', by: '按', byDay: '日', byGroup: '技能组', byAgent: '座席', show: '查看', csv: '下载 CSV',
  conversationsCol: '会话', answered: '已接待', abandoned: '排队放弃', avgWait: '平均等待', waitPct: '等待 p50 / p90', avgFirst: '平均首次响应', firstPct: '首次响应 p50 / p90', avgHandle: '平均处理', satisfaction: '满意度',
  noConvs: '目前没有进行中的会话。', noRows: '所选时间段没有会话。', at: (t) => `更新于 ${t}`, none: '无',
  who: { CUSTOMER: '访客', ROBOT: '机器人', AGENT: '座席', SYSTEM: '系统' },
  ratings: (avg, n) => `${avg} (${n} 条)`, truncated: (n) => `（仅显示最早的 ${n} 个）`,
};
const en = {
  brand: 'ccflow supervisor', title: 'Supervisor', username: 'Username', password: 'Password', login: 'Log in', logout: 'Log out', console: 'Agent console',
  loginFailed: 'Wrong username or password', expired: 'The session has expired: log in again', tooMany: 'Too many attempts, try again later',
  forbidden: 'This page needs the supervisor role: ask an administrator.', network: 'Connection lost, reconnecting…',
  queues: 'Queues', group: 'Skill group', waiting: 'Waiting', longest: 'Longest wait', estimate: 'Estimated wait', noEstimate: 'no estimate yet', serving: 'Serving', ready: 'Ready agents',
  agents: 'Agents', agent: 'Agent', status: 'Status', load: 'Load', groups: 'Skill groups',
  conversations: 'Live conversations', visitor: 'Visitor', phase: 'Phase', wait: 'Wait',
  lookingAt: 'Looking at:', closeView: 'Close', readOnly: 'Read-only: a supervisor looking changes nothing.', gone: 'This conversation has ended.',
  whisper: 'Whisper', whisperHint: 'Only the serving agent sees it, never the visitor', whispered: 'Sent to the serving agent', whisperFailed: 'Not sent: ',
  takeOver: 'Take over', takeOverHint: 'transfer it to yourself (be ready with a free slot in the console)', tookOver: 'Taken over: the conversation is in your agent console', takeOverFailed: 'Not taken over: ',
  READY: 'Ready', NOT_READY: 'Not ready', OFFLINE: 'Offline',
  ROBOT: 'Robot', QUEUED: 'Queued', AGENT: 'Agent', SATISFACTION: 'Rating', CLOSED: 'Closed',
  reports: 'Reports', from: 'From', to: 'To', by: 'By', byDay: 'day', byGroup: 'skill group', byAgent: 'agent', show: 'Show', csv: 'Download CSV',
  conversationsCol: 'Conversations', answered: 'Answered', abandoned: 'Abandoned in queue', avgWait: 'Avg wait', waitPct: 'Wait p50 / p90', avgFirst: 'Avg first response', firstPct: 'First response p50 / p90', avgHandle: 'Avg handle time', satisfaction: 'Satisfaction',
  noConvs: 'No live conversations right now.', noRows: 'No conversations in this period.', at: (t) => `Updated ${t}`, none: 'none',
  who: { CUSTOMER: 'Visitor', ROBOT: 'Robot', AGENT: 'Agent', SYSTEM: 'System' },
  ratings: (avg, n) => `${avg} (${n})`, truncated: (n) => `(the oldest ${n} only)`,
};
const S = lang === 'en' ? en : zh;

// LONG_WAIT marks a wait worth a supervisor's eye.
const LONG_WAIT = 60;
const POLL_MS = 2000;
// ESTIMATE_MS spaces the reads of the estimated waits (a routing query each).
const ESTIMATE_MS = 10000;

const view = { live: null, fetchedAt: 0, groups: new Map(), estimates: new Map(), look: null, timer: null, ticker: null, estimateTimer: null };

function applyTexts() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-s]')) {
    const v = S[el.dataset.s];
    if (typeof v === 'string') { el.textContent = v; }
  }
  $('whisper-text').placeholder = S.whisperHint;
  $('login-title').textContent = S.brand;
  $('brand').textContent = S.brand;
  document.title = S.title;
}

// ---- login ----

function showLogin(message) {
  stop();
  document.body.dataset.view = 'login';
  $('sv').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  $('login-error').hidden = !message;
  $('login-user').focus();
}

async function onLogin(e) {
  e.preventDefault();
  $('login-submit').disabled = true;
  try {
    await login($('login-user').value.trim(), $('login-pass').value);
    $('login-pass').value = '';
    start();
  } catch (err) {
    showLogin(err.status === 401 || err.status === 400 ? S.loginFailed : err.status === 429 ? S.tooMany : err.message);
  } finally {
    $('login-submit').disabled = false;
  }
}

async function logout() {
  try { await call('POST', '/logout'); } catch { /* the session ends here either way */ }
  saveSession(null);
  showLogin('');
}

// ---- the live view ----

function start() {
  const s = current();
  document.body.dataset.view = 'supervisor';
  $('login-view').hidden = true;
  $('sv').hidden = false;
  $('me').textContent = s && s.agent ? `${s.agent.name || s.agent.username} (${s.agent.username})` : '';
  const today = new Date().toISOString().slice(0, 10);
  if (!$('report-from').value) { $('report-from').value = today; $('report-to').value = today; }
  refresh();
  refreshEstimates();
  showReport();
  view.ticker = setInterval(tick, 1000);
}

function stop() {
  clearTimeout(view.timer);
  clearTimeout(view.estimateTimer);
  clearInterval(view.ticker);
  view.timer = view.ticker = null;
}

async function refresh() {
  clearTimeout(view.timer);
  try {
    const live = await call('GET', '/supervisor/live');
    view.live = live;
    view.fetchedAt = Date.now();
    view.groups = new Map(live.skillGroups.map((g) => [g.id, g.name]));
    setOffline(null);
    $('forbidden').hidden = true;
    $('sv-body').hidden = false;
    render();
    if (view.look) { await loadLook(); }
  } catch (err) {
    if (err.status === 401) {
      // A cookie session (another tab's, or this tab's before a reload) that
      // has ended: the supervisor is told, as any other call tells.
      if (!current()) { showLogin(S.expired); }
      return;
    }
    if (err.status === 403) {
      $('forbidden').textContent = S.forbidden;
      $('forbidden').hidden = false;
      $('sv-body').hidden = true;
      return;
    }
    setOffline(S.network);
  }
  if (document.body.dataset.view === 'supervisor') { view.timer = setTimeout(refresh, POLL_MS); }
}

// elapsed is how many seconds passed since the live view was read.
function elapsed() { return Math.floor((Date.now() - view.fetchedAt) / 1000); }

function groupName(id) { return id ? (view.groups.get(id) || `#${id}`) : '—'; }

function render() {
  const live = view.live;
  $('live-at').textContent = S.at(fmtTime(live.at));
  const qb = $('queues').tBodies[0];
  qb.replaceChildren(...live.skillGroups.map((g) => h('tr', { data: { group: String(g.id) } },
    h('td', {}, g.name),
    h('td', { class: 'num waiting' }, String(g.waiting)),
    h('td', { class: 'num longest' + (g.waiting && g.longestWaitSeconds >= LONG_WAIT ? ' long' : ''), data: { wait: String(g.longestWaitSeconds), waiting: String(g.waiting) } },
      g.waiting ? fmtClock(g.longestWaitSeconds) : '—'),
    estimateCell(g.id),
    h('td', { class: 'num' }, String(g.serving)),
    h('td', { class: 'num' }, String(g.readyAgents)))));
  const ab = $('agents').tBodies[0];
  ab.replaceChildren(...live.agents.map((a) => h('tr', { data: { agent: a.id } },
    h('td', {}, `${a.name} (${a.username})`),
    h('td', { class: 'status ' + a.status }, S[a.status] || a.status),
    h('td', { class: 'num load' }, `${a.load}/${a.capacity}`),
    h('td', {}, a.skillGroups.map(groupName).join(', ') || S.none))));
  const cb = $('convs').tBodies[0];
  cb.replaceChildren(...live.conversations.map((c) => h('tr', {
    data: { conv: c.id }, tabindex: '0', 'aria-selected': String(view.look && view.look.id === c.id),
    onclick: () => openLook(c), onkeydown: (e) => { if (e.key === 'Enter') { openLook(c); } },
  },
  h('td', {}, c.userName || c.userId),
  h('td', {}, h('span', { class: 'phase ' + c.phase }, S[c.phase] || c.phase)),
  h('td', {}, groupName(c.skillGroupId)),
  h('td', {}, c.agentName || c.agentId || '—'),
  h('td', { class: 'num wait', data: { wait: String(c.waitSeconds), phase: c.phase } }, c.phase === 'QUEUED' || c.phase === 'AGENT' ? fmtClock(c.waitSeconds) : '—'))));
  $('conv-count').textContent = String(live.conversations.length) + (live.truncated ? ' ' + S.truncated(live.conversations.length) : '');
  $('convs-empty').textContent = S.noConvs;
  $('convs-empty').hidden = live.conversations.length > 0;
}

// estimateCell is a group's estimated wait, as routing tells visitors; "no
// estimate yet" while routing has no real wait to go by (or could not be asked).
function estimateCell(id) {
  const v = view.estimates.get(id);
  return h('td', { class: 'num estimate' + (typeof v === 'number' ? '' : ' none') },
    typeof v === 'number' ? fmtClock(v) : S.noEstimate);
}

// refreshEstimates reads the estimated waits, less often than the live view:
// they ask the routing workflow, which the live view never does.
async function refreshEstimates() {
  clearTimeout(view.estimateTimer);
  try {
    const r = await call('GET', '/supervisor/estimates');
    view.estimates = new Map(r.skillGroups.map((g) => [g.id, g.estimateWaitSeconds]));
    if (view.live) { render(); }
  } catch (err) {
    if (err.status === 401 || err.status === 403) { return; }
  }
  if (document.body.dataset.view === 'supervisor') { view.estimateTimer = setTimeout(refreshEstimates, ESTIMATE_MS); }
}

// takeOver transfers the open conversation to the supervisor; the API
// refuses (and nothing changes) when no agent serves it now or the
// supervisor is not ready with a free slot, and the page says why.
async function takeOver() {
  const look = view.look;
  if (!look) { return; }
  const status = $('take-status');
  try {
    await call('POST', `/supervisor/conversations/${q(look.id)}/take-over`);
    status.textContent = S.tookOver;
    status.className = '';
    refresh();
  } catch (err) {
    if (err.status === 401) { return; }
    status.textContent = S.takeOverFailed + err.message;
    status.className = 'error';
  }
  status.hidden = false;
}

// tick moves the queued waits on between two reads of the live view.
function tick() {
  if (!view.live) { return; }
  const d = elapsed();
  for (const td of document.querySelectorAll('#convs td.wait[data-phase=QUEUED]')) {
    td.textContent = fmtClock(Number(td.dataset.wait) + d);
  }
  for (const td of document.querySelectorAll('#queues td.longest')) {
    if (Number(td.dataset.waiting) > 0) { td.textContent = fmtClock(Number(td.dataset.wait) + d); }
  }
}

// ---- one conversation, read-only ----

function openLook(c) {
  view.look = { id: c.id, name: c.userName || c.userId, after: 0 };
  $('look-messages').replaceChildren();
  $('whisper-status').hidden = true;
  $('take-status').hidden = true;
  $('look-name').textContent = view.look.name;
  $('look-box').hidden = false;
  render();
  loadLook().then(() => $('look-box').scrollIntoView({ block: 'nearest' }));
}

// whisper sends the serving agent a note; the API refuses when no agent
// serves the conversation now, and the page says so.
async function whisper(e) {
  e.preventDefault();
  const look = view.look;
  const text = $('whisper-text').value.trim();
  if (!look || !text) { return; }
  const status = $('whisper-status');
  try {
    await call('POST', `/supervisor/conversations/${q(look.id)}/whisper`, { content: text });
    $('whisper-text').value = '';
    status.textContent = S.whispered;
    status.className = '';
  } catch (err) {
    if (err.status === 401) { return; }
    status.textContent = S.whisperFailed + err.message;
    status.className = 'error';
  }
  status.hidden = false;
}

function closeLook() {
  view.look = null;
  $('look-box').hidden = true;
  render();
}

async function loadLook() {
  const look = view.look;
  const live = view.live && view.live.conversations.find((c) => c.id === look.id);
  $('look-phase').textContent = live ? (S[live.phase] || live.phase) : S.gone;
  try {
    const data = await call('GET', `/conversations/${q(look.id)}/messages?after=${look.after}&limit=500`);
    if (view.look !== look) { return; }
    const list = $('look-messages');
    for (const m of data.messages) {
      look.after = Math.max(look.after, m.seq);
      if (!m.content) { continue; }
      list.append(h('li', { class: m.direction === 'to_service' ? 'in' : 'out', data: { seq: String(m.seq) } },
        h('small', {}, `${S.who[m.senderType] || m.senderType} · ${fmtTime(m.at)}`), m.content));
    }
    if (data.messages.length) { list.scrollTop = list.scrollHeight; }
  } catch (err) {
    if (err.status !== 401 && err.status !== 0) { $('look-phase').textContent = err.message; }
  }
}

// ---- reports ----

function reportPath(format) {
  return `/supervisor/reports?by=${q($('report-by').value)}&from=${q($('report-from').value)}&to=${q($('report-to').value)}&format=${format}`;
}

function secs(v) { return v === null || v === undefined ? '—' : fmtClock(Math.round(v)); }

async function showReport(e) {
  if (e) { e.preventDefault(); }
  $('report-error').hidden = true;
  try {
    const r = await call('GET', reportPath('json'));
    $('report-key').textContent = S[{ day: 'byDay', group: 'byGroup', agent: 'byAgent' }[r.by]];
    $('report').tBodies[0].replaceChildren(...r.rows.map((x) => h('tr', { data: { key: x.key } },
      h('td', {}, x.name ? `${x.name}` : x.key),
      h('td', { class: 'num' }, String(x.conversations)),
      h('td', { class: 'num' }, String(x.answered)),
      h('td', { class: 'num' }, String(x.abandoned)),
      h('td', { class: 'num' }, secs(x.avgWaitSeconds)),
      h('td', { class: 'num wait-pct' }, `${secs(x.waitP50Seconds)} / ${secs(x.waitP90Seconds)}`),
      h('td', { class: 'num' }, secs(x.avgFirstResponseSeconds)),
      h('td', { class: 'num first-pct' }, `${secs(x.firstResponseP50Seconds)} / ${secs(x.firstResponseP90Seconds)}`),
      h('td', { class: 'num' }, secs(x.avgHandleSeconds)),
      h('td', { class: 'num' }, x.ratings ? S.ratings(x.avgRating.toFixed(1), x.ratings) : '—'))));
    $('report-empty').textContent = S.noRows;
    $('report-empty').hidden = r.rows.length > 0;
  } catch (err) {
    if (err.status === 401) { return; }
    $('report-error').textContent = err.message;
    $('report-error').hidden = false;
  }
}

async function downloadCSV() {
  try {
    await download(reportPath('csv'), `ccflow-report-${$('report-by').value}-${$('report-from').value}-${$('report-to').value}.csv`);
  } catch (err) {
    if (err.status === 401) { return; }
    $('report-error').textContent = err.message;
    $('report-error').hidden = false;
  }
}

// ---- start ----

applyTexts();
onExpired(() => { saveSession(null); showLogin(S.expired); });
$('login-form').addEventListener('submit', onLogin);
$('logout').addEventListener('click', logout);
$('look-close').addEventListener('click', closeLook);
$('whisper-form').addEventListener('submit', whisper);
$('take-over').addEventListener('click', takeOver);
$('report-form').addEventListener('submit', showReport);
$('report-csv').addEventListener('click', downloadCSV);
// This tab's session, or the cookie of one opened in another tab (the console).
if (current() || hasCookieSession()) { start(); } else { showLogin(''); }
