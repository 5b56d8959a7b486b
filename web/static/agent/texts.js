// The console's own words, in Chinese and English; the browser's language
// picks one. Every text the page shows comes from here or from the server,
// and server text is only ever set with textContent.

const zh = {
  brand: 'ccflow 客服工作台', title: '客服工作台', username: '用户名', password: '密码', login: '登录', logout: '退出',
  loginFailed: '用户名或密码错误', expired: '登录已过期，请重新登录；未发送的内容已保留。', tooMany: '尝试次数过多，请稍后再试',
  READY: '就绪', NOT_READY: '小休', OFFLINE: '离线',
  chats: '会话', inbox: '留言',
  noChats: '暂无会话。就绪后，新的访客会出现在这里。', pick: '从左侧选择一个会话，或按 Ctrl+K 切换。',
  queue: (n, est) => n ? `排队 ${n} 人` + (est ? ` · 预计 ${fmtWait(est)}` : '') : '无人排队',
  waiting: (s) => `等待 ${fmtClock(s)}`, talking: (s) => `已接待 ${fmtClock(s)}`,
  fresh: '新', typing: '对方正在输入…', file: '文件',
  transfer: '转接', close: '结束会话', confirmClose: '确认结束？', dismiss: '移出列表', send: '发送',
  composer: '输入回复，Enter 发送，Shift+Enter 换行',
  ended: { closed: '会话已结束', transferred: '已转接', requeued: '已退回队列' },
  sending: '发送中…', sent: '已发送', delivered: '已送达', failed: '发送失败，点击重试',
  visitor: '访客', name: '姓名', userId: '访客 ID', since: '接入时间', group: '技能组', from: '转自',
  phrases: '常用语', phraseSearch: '搜索常用语（FAQ）', noPhrases: '输入关键字搜索常用语', nothingFound: '没有找到',
  suggest: '推荐回复：',
  earlier: (t) => `更早的会话 · ${t}`, current: '当前会话',
  transferTitle: '转接会话', toGroup: '转到技能组', toAgent: '转给座席（用户名）', cancel: '取消', transferFailed: '转接失败：',
  tagFilter: '标签', all: '全部', untagged: '未打标签', byTag: '按标签…', refresh: '刷新',
  inboxCount: (n) => `共 ${n} 条`, noLeave: '没有留言', tag: '标签', saveTag: '保存', tagSaved: '已保存',
  contact: '联系人', callback: '回复方式', subject: '主题', created: '时间',
  network: '网络中断，正在重新连接…', error: '操作失败：',
  switcher: '切换会话：输入姓名筛选，Enter 打开',
  who: { CUSTOMER: '访客', ROBOT: '机器人', AGENT: '座席', SYSTEM: '系统', me: '我' },
  kbd: 'Ctrl+K 切换会话', supervisorView: '主管视图',
  whisperFrom: (name) => `主管 ${name} 悄悄说（访客看不到）`,
};

const en = {
  brand: 'ccflow agent console', title: 'Agent console', username: 'Username', password: 'Password', login: 'Log in', logout: 'Log out',
  loginFailed: 'Wrong username or password', expired: 'Your session has expired. Log in again; unsent text is kept.', tooMany: 'Too many attempts, try again later',
  READY: 'Ready', NOT_READY: 'Not ready', OFFLINE: 'Offline',
  chats: 'Chats', inbox: 'Messages',
  noChats: 'No conversations. When you are ready, new visitors show up here.', pick: 'Pick a conversation on the left, or press Ctrl+K.',
  queue: (n, est) => n ? `${n} waiting` + (est ? ` · about ${fmtWait(est)}` : '') : 'Nobody waiting',
  waiting: (s) => `waiting ${fmtClock(s)}`, talking: (s) => `chatting ${fmtClock(s)}`,
  fresh: 'new', typing: 'The visitor is typing…', file: 'file',
  transfer: 'Transfer', close: 'Close', confirmClose: 'Really close?', dismiss: 'Remove', send: 'Send',
  composer: 'Type a reply: Enter sends, Shift+Enter adds a line',
  ended: { closed: 'Closed', transferred: 'Transferred', requeued: 'Back in the queue' },
  sending: 'sending…', sent: 'sent', delivered: 'delivered', failed: 'not sent, click to retry',
  visitor: 'Visitor', name: 'Name', userId: 'Visitor id', since: 'Assigned', group: 'Skill group', from: 'From',
  phrases: 'Canned phrases', phraseSearch: 'Search the FAQ', noPhrases: 'Type a keyword to search', nothingFound: 'Nothing found',
  suggest: 'Suggested:',
  earlier: (t) => `Earlier conversation · ${t}`, current: 'This conversation',
  transferTitle: 'Transfer the conversation', toGroup: 'To skill group', toAgent: 'To agent (username)', cancel: 'Cancel', transferFailed: 'Transfer failed: ',
  tagFilter: 'Tag', all: 'All', untagged: 'Untagged', byTag: 'By tag…', refresh: 'Refresh',
  inboxCount: (n) => `${n} in all`, noLeave: 'No messages', tag: 'Tag', saveTag: 'Save', tagSaved: 'Saved',
  contact: 'Contact', callback: 'Reply by', subject: 'Subject', created: 'Time',
  network: 'Connection lost, reconnecting…', error: 'Failed: ',
  switcher: 'Switch conversation: type to filter, Enter opens',
  who: { CUSTOMER: 'Visitor', ROBOT: 'Robot', AGENT: 'Agent', SYSTEM: 'System', me: 'Me' },
  kbd: 'Ctrl+K switch', supervisorView: 'Supervisor view',
  whisperFrom: (name) => `Whisper from ${name} (the visitor does not see it)`,
};

// ?lang=en or ?lang=zh in the address chooses; otherwise the browser's language.
const asked = new URLSearchParams(location.search).get('lang') || navigator.language || '';
export const lang = asked.toLowerCase().startsWith('en') ? 'en' : 'zh';
export const T = lang === 'en' ? en : zh;

// fmtClock shows seconds as m:ss, or h:mm:ss past an hour.
export function fmtClock(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

function fmtWait(s) {
  if (s < 60) { return lang === 'en' ? `${s} s` : `${s} 秒`; }
  const m = Math.round(s / 60);
  return lang === 'en' ? `${m} min` : `${m} 分钟`;
}

// fmtTime shows a time of day, with the date when it is not today.
export function fmtTime(iso) {
  const d = new Date(iso);
  if (isNaN(d)) { return ''; }
  const time = d.toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === new Date().toDateString()) { return time; }
  return d.toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN') + ' ' + time;
}

// applyStatic fills every element marked data-t with its text.
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-t]')) {
    const v = T[el.dataset.t];
    if (typeof v === 'string') { el.textContent = v; }
  }
}
